from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.navigation import Entry, register


def _referrals(user) -> str:
    """The intake desk for those with an area, the portal for providers, else nothing."""
    scope = scope_for(user)
    if scope.reads_registry:
        return reverse("referrals:intake-list")
    if scope.is_provider:
        return reverse("portal:inbox")
    return ""


register(Entry(20, _("Referrals"), _referrals, sections=("referrals", "portal")))
