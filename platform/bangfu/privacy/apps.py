from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "bangfu.privacy"
    verbose_name = _("Personal information (个人信息保护)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.privacy import models, retention
        from bangfu.registry import hooks

        # Changes of the processing record and of the retention schedule are audited.
        auditlog.register(models.ProcessingActivity)
        auditlog.register(models.RetentionRule)
        # A household anonymised under the retention schedule is never filled in again by an
        # import of the ledger.
        hooks.ledger_locked_households.append(retention.anonymised_households)
