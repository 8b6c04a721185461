"""The only code that writes providers: a station's or volunteer's ``Provider`` row, and ratings.

Every station and volunteer has its ``Provider``, made in the same transaction as the kind's own
row; the provider's name and home region follow that row (the station's organisation and
township, the volunteer's name and home village) whenever it is saved through here.

A provider's quality rating comes from outcomes: the household's satisfaction (1-5) with each
finished referral, shrunk towards the middle of the scale while few are rated, so one happy
household does not make a five-star station. The referrals app counts the scores and hands them
to ``providers_set_ratings``; providers with no rated outcome keep the rating they were given
when registered (or none).
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction

from bangfu.accounts.models import Organisation
from bangfu.providers.models import Provider, Station, Volunteer

# The rating starts at the middle of the 1-5 scale, as if PRIOR_WEIGHT households had said so.
PRIOR_MEAN = Decimal("3")
PRIOR_WEIGHT = 3


def quality_rating(total: int, rated: int) -> Decimal:
    """Shrunk mean satisfaction: (prior + sum of scores) / (prior weight + number rated)."""
    value = (PRIOR_MEAN * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + rated)
    return value.quantize(Decimal("0.01"))


def _identity(profile: Station | Volunteer) -> dict:
    """The provider's kind, name and home region, as the kind's own row has them."""
    if isinstance(profile, Station):
        organisation = profile.organisation
        return {
            "kind": Provider.Kind.STATION,
            "name": organisation.name,
            "region_id": organisation.region_id,
        }
    return {
        "kind": Provider.Kind.VOLUNTEER,
        "name": str(profile.user),
        "region_id": profile.home_region_id,
    }


@transaction.atomic
def provider_sync(*, profile: Station | Volunteer) -> Station | Volunteer:
    """Save a station or volunteer (already validated) with its provider: made on the first
    save, its name and home region brought up to date on every later one."""
    identity = _identity(profile)
    if profile.provider_id is None:
        profile.provider = Provider.objects.create(**identity)
    else:
        Provider.objects.filter(pk=profile.provider_id).exclude(
            name=identity["name"], region_id=identity["region_id"]
        ).update(name=identity["name"], region_id=identity["region_id"])
    profile.save()
    return profile


@transaction.atomic
def station_create(
    *,
    organisation: Organisation,
    capacity: int,
    categories: Iterable = (),
    service_area: Iterable = (),
    opening_hours: str = "",
) -> Station:
    """A station serves its own township unless a wider service area is given."""
    station = Station(organisation=organisation, capacity=capacity, opening_hours=opening_hours)
    station.full_clean(exclude=["provider"])
    provider_sync(profile=station)
    station.categories.set(categories)
    station_default_service_area(station=station, extra=service_area)
    return station


def station_default_service_area(*, station: Station, extra: Iterable = ()) -> None:
    """Add the station's own township to its service area (plus any ``extra`` regions)."""
    station.service_area.add(station.organisation.region, *extra)


@transaction.atomic
def providers_set_ratings(*, outcomes: Mapping[int, tuple[int, int]]) -> int:
    """Rate each provider from its rated outcomes: provider pk -> (sum of satisfaction scores,
    number rated). Safe to run twice: the same outcomes give the same rating. Returns how many
    ratings changed."""
    changed = 0
    for pk, (total, rated) in outcomes.items():
        rating = quality_rating(total, rated)
        changed += (
            Provider.objects.filter(pk=pk)
            .exclude(quality_rating=rating, rated_outcomes=rated)
            .update(quality_rating=rating, rated_outcomes=rated)
        )
    return changed
