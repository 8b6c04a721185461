from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.navigation import Entry, register
from bangfu.regions.policy import may_read


def _policy(user) -> str:
    """Bureau staff, managers and auditors: the policy of their regions."""
    return reverse("regions:policy") if may_read(user) else ""


register(Entry(80, _("Policy settings"), _policy, sections=("regions",)))
