"""Who reads and who changes the personal-information pages.

The processing record and the retention schedule hold no personal data: the bureau (staff,
managers, auditors) and the three administrators read them. The security administrator keeps
them; a county's bureau manager sets the county's own retention periods. A subject-access export
is personal data: bureau staff and managers who may reveal ID numbers, in their own area."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from bangfu.accounts.duties import duties_of
from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import holds_role_over, role_region_paths, scope_for
from bangfu.regions.models import Region

Role = Membership.Role
BUREAU_READERS = frozenset({Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.AUDITOR})
SUBJECT_ACCESS_ROLES = frozenset({Role.BUREAU_STAFF, Role.BUREAU_MANAGER})


def reads_privacy(user) -> bool:
    scope = scope_for(user)
    return scope.everything or bool(scope.roles & BUREAU_READERS) or bool(duties_of(user))


def keeps_record(user) -> bool:
    """The security administrator (and a superuser) edits the processing record and the
    platform's retention periods."""
    return scope_for(user).everything or Role.SECURITY_ADMIN in duties_of(user)


def managed_counties(user):
    """The counties whose own retention periods ``user`` sets as their bureau's manager."""
    paths = role_region_paths(user, [Role.BUREAU_MANAGER], levels=(Region.Level.COUNTY,))
    if paths is None:
        return Region.objects.filter(level=Region.Level.COUNTY)
    return Region.objects.filter(path__in=paths, level=Region.Level.COUNTY)


def may_edit_rule(user, rule) -> bool:
    if keeps_record(user):
        return True
    return rule.region_id is not None and holds_role_over(user, [Role.BUREAU_MANAGER], rule.region)


def makes_subject_access(user) -> bool:
    scope = scope_for(user)
    return scope.everything or (
        scope.can_reveal_identity and bool(scope.roles & SUBJECT_ACCESS_ROLES)
    )


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_reader(user) -> None:
    require(
        reads_privacy(user),
        _("The personal-information pages are for the bureau and the administrators."),
    )
