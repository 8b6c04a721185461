from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.navigation import Entry, register
from bangfu.procurement.roles import READ_ROLES


def _procurement(user) -> str:
    """Bureau staff, managers and auditors."""
    scope = scope_for(user)
    if scope.everything or scope.roles & set(READ_ROLES):
        return reverse("procurement:dashboard")
    return ""


register(Entry(40, _("Procurement"), _procurement, sections=("procurement",)))
