"""Who may see which personal data: the one scoping mechanism.

Every queryset of personal data (households, members, assessments, needs, and later referrals)
is a ``ScopedQuerySet`` and is read through ``.for_user(user)``:

- bureau staff, managers and auditors see their bureau's region and everything below it;
- assistants see the households of the villages they are assigned;
- station staff see only what is referred to their station (the referrals app widens the scope);
- volunteers and charity staff see no personal data here.

Superusers configure the platform in the admin and see everything.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

from bangfu.accounts.models import Membership

Role = Membership.Role

REGION_ROLES = {Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.AUDITOR}
# Roles that change the registry and may reveal a full ID number on request.
WRITE_ROLES = {Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.ASSISTANT}
IDENTITY_ROLES = {Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.ASSISTANT}


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    village_ids: tuple[int, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_paths or self.village_ids)

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
        return any(region.path.startswith(path) for path in self.region_paths)

    def region_q(self, lookup: str) -> Q:
        """A filter on the village (region) reached through ``lookup``."""
        query = Q(pk__in=[])
        for path in self.region_paths:
            query |= Q(**{f"{lookup}__path__startswith": path})
        if self.village_ids:
            query |= Q(**{f"{lookup}__in": self.village_ids})
        return query


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
        memberships = (
            Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
            .select_related("organisation__region")
            .prefetch_related("villages")
        )
        paths, villages, roles = set(), set(), set()
        for membership in memberships:
            roles.add(membership.role)
            if membership.role in REGION_ROLES:
                paths.add(membership.organisation.region.path)
            elif membership.role == Role.ASSISTANT:
                villages.update(village.pk for village in membership.villages.all())
        scope = Scope(
            region_paths=tuple(sorted(paths)),
            village_ids=tuple(sorted(villages)),
            roles=frozenset(roles),
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
        if scope.is_empty:
            return self.none()
        return self.filter(scope.region_q(self.region_lookup))
