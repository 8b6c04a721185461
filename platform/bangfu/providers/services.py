"""The only code that writes stations and volunteers' derived fields.

A provider's quality rating comes from outcomes: the household's satisfaction (1-5) with each
finished referral, shrunk towards the middle of the scale while few are rated, so one happy
household does not make a five-star station. Providers with no rated outcome keep the rating
they were given when registered (or none).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from bangfu.accounts.models import Organisation
from bangfu.providers.models import Station, Volunteer
from bangfu.referrals.models import ProviderKey
from bangfu.referrals.selectors import satisfaction_by_provider

# The rating starts at the middle of the 1-5 scale, as if PRIOR_WEIGHT households had said so.
PRIOR_MEAN = Decimal("3")
PRIOR_WEIGHT = 3
MODELS = {"station": Station, "volunteer": Volunteer}


def quality_rating(total: int, rated: int) -> Decimal:
    """Shrunk mean satisfaction: (prior + sum of scores) / (prior weight + number rated)."""
    value = (PRIOR_MEAN * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + rated)
    return value.quantize(Decimal("0.01"))


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
    station.full_clean()
    station.save()
    station.categories.set(categories)
    station_default_service_area(station=station, extra=service_area)
    return station


def station_default_service_area(*, station: Station, extra: Iterable = ()) -> None:
    """Add the station's own township to its service area (plus any ``extra`` regions)."""
    station.service_area.add(station.organisation.region, *extra)


@transaction.atomic
def providers_refresh_quality(*, keys: Iterable[ProviderKey] | None = None) -> int:
    """Recompute the quality rating of the given providers (all rated ones when None).

    Safe to run twice: the same outcomes give the same rating. Returns how many changed.
    """
    keys = None if keys is None else list(keys)
    scores = satisfaction_by_provider(keys)
    changed = 0
    for (kind, pk), (total, rated) in scores.items():
        if kind not in MODELS:
            continue  # a procured project: its households' feedback goes into its evaluation
        rating = quality_rating(total, rated)
        changed += (
            MODELS[kind]
            .objects.filter(pk=pk)
            .exclude(quality_rating=rating, rated_outcomes=rated)
            .update(quality_rating=rating, rated_outcomes=rated)
        )
    return changed
