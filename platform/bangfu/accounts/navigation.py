from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.navigation import Entry, register


def _configuration(user) -> str:
    return reverse("admin:index") if user.is_staff else ""


register(Entry(90, _("Configuration"), _configuration, sections=("admin",)))
