"""Providers and the people behind them: who answers for a provider, who works at the desk
of a place."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from bangfu.accounts.models import Membership, User
from bangfu.accounts.scoping import scope_for
from bangfu.providers import kinds
from bangfu.providers.kinds import acted_for, answered_by
from bangfu.providers.models import Provider
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region

DESK_ROLES = (Membership.Role.BUREAU_STAFF, Membership.Role.BUREAU_MANAGER)


def holding_count(provider_id: int) -> int:
    return Referral.objects.for_provider(provider_id).holding().count()


def provider_users(provider_id: int) -> list[User]:
    """Who answers for a provider: the station's active staff, the volunteer, or the staff of
    the agency that runs the project (the people whose scope reads its referrals)."""
    return list(
        User.objects.filter(answered_by(provider_id), is_active=True).distinct().order_by("pk")
    )


def providers_of(user, *, today: dt.date | None = None) -> list[Provider]:
    """The providers the user answers for (their stations, their agencies' projects, themselves
    as a volunteer) that take cases on ``today`` or still have open ones."""
    today = today or timezone.localdate()
    providers = Provider.objects.filter(acted_for(scope_for(user))).annotate(
        has_open=Exists(Referral.objects.live().filter(provider=OuterRef("pk")))
    )
    return [
        provider
        for provider in providers.order_by("kind", "name", "pk")
        if provider.has_open or kind_accepts(provider, today)
    ]


def kind_accepts(provider: Provider, day: dt.date) -> bool:
    """Whether the provider's kind lets it take a new case on ``day`` (a project under way
    within its contract); its own active and paused flags aside."""
    kind = kinds.kind_of(provider)
    return kind.is_accepting(kind.profile(provider), day)


def township_staff(region: Region) -> list[User]:
    """Bureau staff who answer for a township: the township's own, else the nearest above."""
    return _nearest_bureau_staff(region, Region.Level.TOWNSHIP)


def county_staff(region: Region) -> list[User]:
    """Bureau staff of the county (or district) the region lies in, else the nearest above:
    a missed emergency reaches them as well as the township."""
    return _nearest_bureau_staff(region, Region.Level.COUNTY)


def _nearest_bureau_staff(region: Region, level: int) -> list[User]:
    for ancestor in region.ancestors():
        if ancestor.level > level:
            continue
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__role__in=DESK_ROLES,
                memberships__organisation__is_active=True,
                memberships__organisation__region=ancestor,
            )
            .distinct()
            .order_by("pk")
        )
        if users:
            return users
    return []
