from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.navigation import Entry, register
from bangfu.offers.selectors import is_charity_staff


def _offers(user) -> str:
    """The bureau's offer pages for those with an area, the charity portal for its staff."""
    if not scope_for(user).is_empty:
        return reverse("offers:list")
    if is_charity_staff(user):
        return reverse("charity:home")
    return ""


register(Entry(60, _("Charity offers"), _offers, sections=("offers", "charity")))
