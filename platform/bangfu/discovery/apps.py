from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "bangfu.discovery"
    verbose_name = _("Finding people (政策找人)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.discovery import models

        # Candidates are people outside the registry: their reads and changes are audited like
        # members', and the encrypted number never enters the log.
        auditlog.register(
            models.CandidatePerson,
            exclude_fields=["id_number", "id_number_hash"],
            mask_fields=["name", "address"],
        )
        auditlog.register(models.Task, mask_fields=["note"])
