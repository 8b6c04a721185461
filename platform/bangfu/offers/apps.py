from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "bangfu.offers"
    verbose_name = _("Charity offers")

    def ready(self) -> None:
        from bangfu.core import public_cache
        from bangfu.offers.models import Allocation, Charity, Offer

        # An offer's notice shows its charity and what is left of it (the allocations).
        public_cache.watch(Charity, Offer, Allocation)
