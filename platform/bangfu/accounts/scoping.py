"""Who may see which personal data: the one scoping mechanism.

Every queryset of personal data (households, members, assessments, needs, and later referrals)
is a ``ScopedQuerySet`` and is read through ``.for_user(user)``:

- bureau staff, managers, auditors and township reviewers see their bureau's region and
  everything below it;
- assistants see the households of the villages they are assigned;
- station staff see only what is referred to their station, volunteers only their own tasks,
  a service agency's staff only what is referred to the agency's procured projects;
- charity staff see no personal data here.

Providers (station staff, volunteers, agency staff) reach personal data only through a
referral: the same ``for_user`` adds, for the models named in the registered ``ProviderReach``
(the referrals app registers referrals and needs), the rows reached from a referral to one of
their stations, their agency's projects or to them, while that referral is live or done (not
once it was declined, expired or revoked). Households, members and assessments are not
reached that way: across the project
``Household.objects.for_user`` means "may open the household's record" (registry pages,
exports, allocations), with its ID numbers and incomes. A provider reads the household through
its referral instead, on the referrals app's service sheet: the few details a service needs,
never an ID number or an income.

Superusers configure the platform in the admin and see everything. The system, security and
audit administrators (bangfu.accounts.duties) hold no area: they read no personal data.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.regions.models import Region, path_and_above, within_any

Role = Membership.Role

REGION_ROLES = {Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.AUDITOR}
# Roles that read the registry of their organisation's region: the bureau's, and the township
# reviewer's, masked (it confirms statuses; it neither writes nor reveals ID numbers).
AREA_ROLES = REGION_ROLES | {Role.TOWNSHIP_REVIEWER}
# Roles that change the registry and may reveal a full ID number on request.
WRITE_ROLES = {Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.ASSISTANT}
IDENTITY_ROLES = {Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.ASSISTANT}


@dataclass(frozen=True)
class ProviderReach:
    """How the people of a provider (a station, an agency, a volunteer) reach personal data: only
    through the rows that route a need to a provider they act for. The app that routes needs
    (referrals) registers it; this module names no model above it.

    ``paths``: model label -> lookup from that model to the routing rows ("" for the routing
    rows themselves). ``rows_q(scope, lookup)``: a filter on the routing rows reached through
    ``lookup`` that the scope may read."""

    paths: dict[str, str]
    rows_q: Callable[["Scope", str], Q]


_reach: list[ProviderReach] = []


def register_provider_reach(reach: ProviderReach) -> None:
    _reach[:] = [reach]


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    village_ids: tuple[int, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)
    station_organisation_ids: tuple[int, ...] = ()
    agency_organisation_ids: tuple[int, ...] = ()
    volunteer_user_id: int | None = None

    @property
    def is_empty(self) -> bool:
        """No region or village: the user reads no part of the registry by place."""
        return not (self.everything or self.region_paths or self.village_ids)

    @property
    def is_provider(self) -> bool:
        """Station staff, agency staff or a volunteer: reads personal data only through
        referrals."""
        return (
            bool(self.station_organisation_ids)
            or bool(self.agency_organisation_ids)
            or self.volunteer_user_id is not None
        )

    @property
    def reads_registry(self) -> bool:
        """Whether registry pages (members, incomes, ID numbers) are for this user at all."""
        return not self.is_empty

    @property
    def can_write(self) -> bool:
        return self.everything or bool(self.roles & WRITE_ROLES)

    @property
    def can_reveal_identity(self) -> bool:
        return self.everything or bool(self.roles & IDENTITY_ROLES)

    def covers(self, region) -> bool:
        """Whether a village (or any region) lies inside this scope."""
        if self.everything or region.pk in self.village_ids:
            return True
        return any(region.is_within(path) for path in self.region_paths)

    def region_q(self, lookup: str) -> Q:
        """A filter on the village (region) reached through ``lookup``."""
        query = within_any(self.region_paths, lookup)
        if self.village_ids:
            query |= Q(**{f"{lookup}__in": self.village_ids})
        return query

    def referral_q(self, lookup: str) -> Q:
        """A filter on the routing rows reached through ``lookup`` that this provider may read
        (none until an app registered a ``ProviderReach``)."""
        return _reach[0].rows_q(self, lookup) if _reach else Q(pk__in=[])


def memberships_of(user) -> list[Membership]:
    """The memberships that give ``user`` a role: active, in an active organisation, the role
    existing at the organisation's level; with organisation, region and (for assistants)
    villages. Read once per user object, so once per request, for the scope, the role checks of
    the navigation and the to-do list, and the user menu."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_bangfu_memberships", None)
    if cached is None:
        cached = user._bangfu_memberships = list(
            Membership.objects.filter(
                at_its_level(), user=user, is_active=True, organisation__is_active=True
            )
            .select_related("organisation__region")
            .order_by("pk")
        )
        # Only an assistant's membership names villages: a bureau's or a station's page skips
        # the query.
        prefetch_related_objects(
            [membership for membership in cached if membership.role == Role.ASSISTANT], "villages"
        )
    return cached


def forget_scope(user) -> None:
    """Drop what ``memberships_of`` and ``scope_for`` keep on the user object: the next call
    reads the memberships again (a membership just granted, in the same request or test)."""
    for cached in ("_bangfu_memberships", "_bangfu_scope"):
        user.__dict__.pop(cached, None)


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_bangfu_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True)
    else:
        paths, villages, roles, stations, agencies = set(), set(), set(), set(), set()
        for membership in memberships_of(user):
            roles.add(membership.role)
            if membership.role in AREA_ROLES:
                paths.add(membership.organisation.region.path)
            elif membership.role == Role.ASSISTANT:
                villages.update(village.pk for village in membership.villages.all())
            elif membership.role == Role.STATION_STAFF:
                stations.add(membership.organisation_id)
            elif membership.role == Role.AGENCY_STAFF:
                agencies.add(membership.organisation_id)
        scope = Scope(
            region_paths=tuple(sorted(paths)),
            village_ids=tuple(sorted(villages)),
            roles=frozenset(roles),
            station_organisation_ids=tuple(sorted(stations)),
            agency_organisation_ids=tuple(sorted(agencies)),
            volunteer_user_id=user.pk if Role.VOLUNTEER in roles else None,
        )
    user._bangfu_scope = scope
    return scope


class ScopedQuerySet(models.QuerySet):
    """A queryset of personal data. Subclasses name the lookup that reaches the village."""

    region_lookup: str = ""

    def for_user(self, user) -> "ScopedQuerySet":
        scope = scope_for(user)
        if scope.everything:
            return self.all()
        paths = _reach[0].paths if _reach else {}
        referral_path = paths.get(self.model._meta.label)
        if referral_path is None or not scope.is_provider:
            if scope.is_empty:
                return self.none()
            return self.filter(scope.region_q(self.region_lookup))
        query = scope.region_q(self.region_lookup)
        if referral_path:
            # A subquery, not a join: a need referred twice must not come back twice.
            reached = self.model._default_manager.filter(scope.referral_q(referral_path))
            query |= Q(pk__in=reached.values("pk"))
        else:
            query |= scope.referral_q("")
        return self.filter(query)


def regions_for(user):
    """The regions a user's bureau roles reach: their bureau's region and everything below."""
    scope = scope_for(user)
    if scope.everything:
        return Region.objects.all()
    return Region.objects.filter(within_any(scope.region_paths))


def require_registry_area(user) -> None:
    """Pages of households, and of the cases and searches about them, are for people with an
    area of the registry (a bureau's region, an assistant's villages)."""
    if not scope_for(user).reads_registry:
        raise PermissionDenied(_("Your role gives you no access to household records."))


def holds_role_over(user, roles, region) -> bool:
    """Whether one membership of the user with one of ``roles`` covers ``region``.

    Checked per membership: a manager of one county who is plain staff in another may approve
    only in the first.
    """
    return _holds(user, roles, organisation__region__path__in=path_and_above(region.path))


def role_region_paths(
    user, roles, *, kind: str | None = None, levels: Collection[int] | None = None
) -> list[str] | None:
    """The paths of the regions of the organisations in which the user holds one of ``roles``
    (``memberships_of``), of organisations of ``kind`` and regions at one of ``levels`` when
    given: where a role's work is. None for a superuser, who holds every role everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return [
        membership.organisation.region.path
        for membership in memberships_of(user)
        if membership.role in roles
        and (kind is None or membership.organisation.kind == kind)
        and (levels is None or membership.organisation.region.level in levels)
    ]


def holds_membership(user, roles, organisation) -> bool:
    """Whether the user holds one of ``roles`` in ``organisation`` (superusers always do)."""
    return _holds(user, roles, organisation=organisation)


def _holds(user, roles, **where) -> bool:
    """Whether an active membership of the user, in an active organisation, with one of
    ``roles`` matches ``where``; superusers hold every role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        at_its_level(),
        user=user,
        role__in=roles,
        is_active=True,
        organisation__is_active=True,
        **where,
    ).exists()


def at_its_level() -> Q:
    """Memberships whose role exists at their organisation's level (``Membership.REGION_LEVELS``,
    checked by ``Membership.clean``): one made past ``clean`` (the shell, a bulk write, an
    organisation moved later) grants nothing — a township reviewer's membership in a county's
    bureau would otherwise reach the whole county."""
    condition = Q()
    for role, levels in Membership.REGION_LEVELS.items():
        condition &= ~Q(role=role) | Q(organisation__region__level__in=levels)
    return condition
