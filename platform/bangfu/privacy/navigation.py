from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.navigation import Entry, register
from bangfu.privacy.access import reads_privacy


def _privacy(user) -> str:
    return reverse("privacy:record") if reads_privacy(user) else ""


register(Entry(85, _("Personal information"), _privacy, sections=("privacy",)))
