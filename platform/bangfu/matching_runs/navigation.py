from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.navigation import Entry, register
from bangfu.matching_runs.selectors import can_read_runs


def _runs(user) -> str:
    return reverse("matching_runs:run-list") if can_read_runs(user) else ""


register(Entry(50, _("Matching"), _runs, sections=("matching_runs",)))
