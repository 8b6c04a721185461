from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.navigation import Entry, register


def _households(user) -> str:
    # Users with an area of the registry; providers and charities read households only through
    # their work.
    return reverse("registry:household-list") if scope_for(user).reads_registry else ""


register(Entry(10, _("Households"), _households, sections=("registry",)))
