from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.navigation import Entry, register
from bangfu.discovery.selectors import reads_discovery


def _discovery(user) -> str:
    return reverse("discovery:dashboard") if reads_discovery(user) else ""


register(Entry(70, _("Finding people"), _discovery, sections=("discovery",)))
