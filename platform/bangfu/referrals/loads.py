"""What the intake desk's warm index reads live on each ranking: the loads of the few
providers it found (``bangfu.matching_runs.desk_index``). Providers are named by their
``Provider`` pk; the counts are those ``selectors.open_case_counts`` and
``selectors.provider_outcomes`` give for every provider at once.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from bangfu.providers.models import Provider
from bangfu.referrals.models import Referral


@dataclass(frozen=True)
class ProviderLoad:
    """What changes with every referral, read live: open referrals (``open_case_counts``),
    finished and completed ones (``provider_outcomes``), the rating, and whether the provider
    takes referrals at all (suspended, paused, its volunteer's account or its organisation
    switched off)."""

    open_cases: int
    finished: int
    completed: int
    rating: object  # Decimal or None
    open_to_referrals: bool


def provider_loads(provider_ids: Iterable[int]) -> dict[int, ProviderLoad]:
    """``ProviderLoad`` of each provider named, in one query."""
    finished = (*Referral.REFUSED, Referral.Status.COMPLETED, Referral.Status.CLOSED)
    rows = (
        Provider.objects.filter(pk__in=list(provider_ids))
        .annotate(
            n_open=Count("referrals", filter=Q(referrals__status__in=Referral.LIVE)),
            n_finished=Count("referrals", filter=Q(referrals__status__in=finished)),
            n_completed=Count("referrals", filter=Q(referrals__status=Referral.Status.COMPLETED)),
        )
        .values_list(
            "pk",
            "n_open",
            "n_finished",
            "n_completed",
            "quality_rating",
            "is_active",
            "is_paused",
            "volunteer__user__is_active",
            "station__organisation__is_active",
        )
    )
    return {
        pk: ProviderLoad(
            n_open,
            n_finished,
            n_completed,
            rating,
            active and not paused and all(owner is not False for owner in owners),
        )
        for pk, n_open, n_finished, n_completed, rating, active, paused, *owners in rows
    }
