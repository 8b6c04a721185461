from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "bangfu.regions"
    verbose_name = _("Regions and policy")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app declares the policy parameters it reads in its own ``policy`` module, which
        # registers them on import (regions.policy.register_parameters).
        autodiscover_modules("policy")
