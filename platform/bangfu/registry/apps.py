from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bangfu.registry"
    verbose_name = _("Household registry")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.utils.module_loading import autodiscover_modules

        from bangfu.registry import models

        # Reads and changes of personal data are audited; secrets never enter the log.
        auditlog.register(
            models.Household, exclude_fields=["phone_hash"], mask_fields=["address", "phone"]
        )
        # The search keys spell out the name (pinyin) and the ID number's tail (hashes).
        auditlog.register(
            models.Member,
            exclude_fields=[
                "id_number",
                "id_number_hash",
                "name_pinyin",
                "name_initials",
                "name_grams",
                "id_tail4_hash",
                "id_tail5_hash",
                "id_tail6_hash",
            ],
            mask_fields=["name"],
        )
        auditlog.register(models.Assessment)
        auditlog.register(models.Need)
        auditlog.register(models.StatusDecision, mask_fields=["note", "rejection_reason"])
        auditlog.register(models.TemporaryGrant, mask_fields=["reason", "rejection_reason"])
        # Each app tells the household's story on its page in its ``timeline`` module.
        autodiscover_modules("timeline")
