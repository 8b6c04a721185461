"""What the matching engine reads from this app: how many open referrals each provider
carries, which providers already refused a need, who is serving a household now, and how each
provider's finished referrals ended. Providers are named by their ``Provider`` pk."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q

from bangfu.referrals.models import Referral


def open_case_counts() -> dict[int, int]:
    """Open referrals (sent, accepted or in service) per provider, in one query.

    Sent referrals count too: a provider with answers pending should not be flooded with more.
    """
    rows = Referral.objects.live().order_by().values_list("provider_id").annotate(n=Count("pk"))
    return dict(rows)


def declined_pairs(need_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(need, provider) pairs where the provider declined the need or let it expire."""
    return set(
        Referral.objects.filter(
            need_id__in=list(need_ids), status__in=Referral.REFUSED
        ).values_list("need_id", "provider_id")
    )


def current_providers(household_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each household, the providers serving it now (accepted or in service)."""
    rows = (
        Referral.objects.holding()
        .filter(need__household_id__in=list(household_ids))
        .values_list("need__household_id", "provider_id")
    )
    found: dict[int, set[int]] = defaultdict(set)
    for household, provider in rows:
        found[household].add(provider)
    return dict(found)


def provider_outcomes() -> dict[int, tuple[int, int]]:
    """(finished referrals, completed ones) per provider, in one query.

    Finished means the provider's part is over: declined, expired, completed or closed without
    service. Revoked referrals are left out: staff withdrew them, the provider did not fail.
    """
    finished = (*Referral.REFUSED, Referral.Status.COMPLETED, Referral.Status.CLOSED)
    rows = (
        Referral.objects.filter(status__in=finished)
        .order_by()
        .values_list("provider_id")
        .annotate(n=Count("pk"), completed=Count("pk", filter=Q(status=Referral.Status.COMPLETED)))
    )
    return {provider: (n, done) for provider, n, done in rows}


def households_in_care(
    provider_ids: Iterable[int], *, pending: bool = False
) -> dict[int, set[int]]:
    """Per provider, the households with a referral it accepted (accepted, in service or
    completed); with ``pending``, also those with one waiting for its answer. One query.

    Registered with ``bangfu.providers.kinds``: a quota of households counts these, together
    with those the kind's own records say it served.
    """
    provider_ids = list(provider_ids)
    statuses = [*Referral.HOLDING, Referral.Status.COMPLETED]
    if pending:
        statuses.append(Referral.Status.SENT)
    found: dict[int, set[int]] = {pk: set() for pk in provider_ids}
    rows = Referral.objects.filter(provider_id__in=provider_ids, status__in=statuses).values_list(
        "provider_id", "need__household_id"
    )
    for provider, household in rows:
        found[provider].add(household)
    return found
