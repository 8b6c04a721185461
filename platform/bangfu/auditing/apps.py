from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditingConfig(AppConfig):
    name = "bangfu.auditing"
    verbose_name = _("Audit")

    def ready(self) -> None:
        # The project's checks (check --deploy) register themselves on import.
        from bangfu.auditing import checks  # noqa: F401
