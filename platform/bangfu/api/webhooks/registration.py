"""What the webhooks register with the floors below (imported by ``ApiConfig.ready``): the
listener of ``bangfu.core.events`` and the navigation entry of their pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.api.service_accounts import manages_any
from bangfu.api.webhooks.services import deliveries_create
from bangfu.core import events
from bangfu.core.navigation import Entry, register


def _webhooks(user) -> str:
    return reverse("api-webhooks:list") if manages_any(user, Organisation.Kind.BUREAU) else ""


events.register(deliveries_create)
register(Entry(89, _("Webhooks"), _webhooks, sections=("api-webhooks",)))
