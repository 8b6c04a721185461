from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "bangfu.referrals"
    verbose_name = _("Intake and referrals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.referrals import models

        # Notes and descriptions may name people: they are masked in the audit log.
        auditlog.register(models.IntakeCase, mask_fields=["description"])
        auditlog.register(models.Referral, mask_fields=["decline_note", "outcome_note"])
        auditlog.register(models.ServiceSession, mask_fields=["notes"])
        auditlog.register(models.Feedback, mask_fields=["comments"])
