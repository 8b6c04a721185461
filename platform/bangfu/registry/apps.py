from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bangfu.registry"
    verbose_name = _("Household registry")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.registry import models

        # Reads and changes of personal data are audited; secrets never enter the log.
        auditlog.register(
            models.Household, exclude_fields=["phone_hash"], mask_fields=["address", "phone"]
        )
        auditlog.register(
            models.Member, exclude_fields=["id_number", "id_number_hash"], mask_fields=["name"]
        )
        auditlog.register(models.Assessment)
        auditlog.register(models.Need)
