from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bangfu.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app registers its entries of the main navigation in its ``navigation`` module.
        autodiscover_modules("navigation")
        # ... and what it asks of each role, for their to-do list, in its ``todos`` module.
        autodiscover_modules("todos")

        from bangfu.core import audit_guard

        # Audit rows are append-only and sealed into a hash chain (bangfu.core.audit_chain).
        audit_guard.connect()
