from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "bangfu.regions"
    verbose_name = _("Regions and policy")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.core import public_cache
        from bangfu.regions.models import PolicyValue, Region
        from bangfu.regions.policy import discover_parameters

        # Each app declares the policy parameters it reads in its own ``policy`` module, which
        # registers them on import (regions.policy.register_parameters).
        discover_parameters()
        # Every change of a policy value is audited: who, when, old and new (the settings page
        # shows a parameter's history from these entries).
        auditlog.register(PolicyValue)
        # Place names are on the public pages and in the service directory.
        public_cache.watch(Region)
