from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.duties import Role, duties_of
from bangfu.core.navigation import Entry, register


def _configuration(user) -> str:
    """The admin, for staff accounts and the system and security administrators (the audit
    administrator reads in the Audit section)."""
    admin = user.is_staff or duties_of(user) & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}
    return reverse("admin:index") if admin else ""


register(Entry(90, _("Configuration"), _configuration, sections=("admin",)))
