from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.duties import Role, duties_of
from bangfu.core.navigation import Entry, register


def _audit(user) -> str:
    return reverse("audit:search") if Role.AUDIT_ADMIN in duties_of(user) else ""


register(Entry(95, _("Audit"), _audit, sections=("audit",)))
