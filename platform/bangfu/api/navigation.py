from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.api.service_accounts import manages_any
from bangfu.core.navigation import Entry, register


def _api(user) -> str:
    """For the bureau managers, who keep their organisation's service accounts; everyone's own
    tokens are on the same pages (/staff/api/), linked from there."""
    return reverse("api-tokens:list") if manages_any(user) else ""


register(Entry(88, _("API"), _api, sections=("api-tokens",)))
