"""Service accounts: other systems' accounts in an organisation, kept by its bureau manager.

A service account is a user made as every account here is made (``full_clean``, one
membership, audit entries written with ``log_created``, as ``volunteer_register`` does), with
no usable password: it cannot log in to the pages, only present a token. Its role is one the
organisation can hold, never one of the three administrators (三员分立) nor the bureau
manager's own, so no system approves money or makes service accounts of its own.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership, Organisation, User
from bangfu.accounts.scoping import at_its_level, holds_membership, memberships_of
from bangfu.api.models import ApiToken, ServiceAccount
from bangfu.core.audit import log_created

Role = Membership.Role
# Roles a service account may not hold: the three administrators and the manager's own.
WITHHELD_ROLES = frozenset({*Membership.ADMINISTRATORS, Role.BUREAU_MANAGER})


def managed_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose service accounts ``user`` keeps: those where they are bureau
    manager (every active organisation for a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    organisations = Organisation.objects.filter(is_active=True).select_related("region")
    if user.is_superuser:
        return organisations
    managed = Membership.objects.filter(
        at_its_level(), user=user, role=Role.BUREAU_MANAGER, is_active=True
    ).values("organisation")
    return organisations.filter(pk__in=managed)


def manages_any(user, kind: str | None = None) -> bool:
    """Whether ``managed_organisations(user)`` holds an organisation (of ``kind``, if given):
    asked by the navigation on every page, so answered from the memberships the request has
    already read."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(
        membership.role == Role.BUREAU_MANAGER
        and (kind is None or membership.organisation.kind == kind)
        for membership in memberships_of(user)
    )


def service_account_roles(organisation: Organisation) -> list[tuple[str, str]]:
    """The roles a service account of ``organisation`` may hold, as form choices."""
    choices = []
    for role in Role:
        levels = Membership.REGION_LEVELS.get(role)
        if (
            role in WITHHELD_ROLES
            or organisation.kind not in Membership.ORGANISATION_KINDS[role]
            or (levels and organisation.region.level not in levels)
        ):
            continue
        choices.append((role.value, role.label))
    return choices


def require_manager(by, organisation: Organisation) -> None:
    if not holds_membership(by, [Role.BUREAU_MANAGER], organisation):
        raise PermissionDenied(
            _("Only the bureau manager of %(organisation)s keeps its service accounts.")
            % {"organisation": organisation}
        )


@transaction.atomic
def service_account_create(
    *, by, organisation: Organisation, username: str, display_name: str, role: str
) -> ServiceAccount:
    """A new service account of ``organisation`` with one membership in ``role``."""
    require_manager(by, organisation)
    if role not in dict(service_account_roles(organisation)):
        raise ValidationError({"role": _("A service account cannot hold this role here.")})
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(username=username, display_name=display_name.strip())
    user.set_unusable_password()
    user.full_clean()
    user.save()
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    membership.save()
    account = ServiceAccount.objects.create(user=user, organisation=organisation, created_by=by)
    log_created(
        [user, membership, account], actor=by, additional_data={"by": "service_account_create"}
    )
    return account


def service_accounts_for(user) -> QuerySet[ServiceAccount]:
    """The service accounts ``user`` keeps, each with its tokens."""
    return (
        ServiceAccount.objects.filter(organisation__in=managed_organisations(user))
        .select_related("user", "organisation")
        .prefetch_related(
            "user__memberships",
            Prefetch("user__bearer_tokens", queryset=ApiToken.objects.select_related("created_by")),
        )
    )
