"""The referral dashboards: a provider's load in the portal, the bureau's view of its area."""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from bangfu.providers import kinds
from bangfu.providers.models import Provider
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.selectors import intake_cases_for, provider_names


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


@dataclass(frozen=True)
class ProviderDashboard:
    capacity: int
    open_cases: int
    awaiting_answer: int
    overdue: int
    average_days_to_accept: float | None
    # A kind that serves a quota (a procured project): ``open_cases`` counts the households of
    # its quota used so far.
    quota: bool = False

    @property
    def headroom(self) -> int:
        return max(self.capacity - self.open_cases, 0)


def provider_dashboard(provider: Provider, *, now: dt.datetime | None = None) -> ProviderDashboard:
    """A provider's load against its capacity (or quota), what waits for it, how fast it is."""
    now = now or timezone.now()
    referrals = Referral.objects.for_provider(provider.pk)
    counts = referrals.aggregate(
        holding=Count("pk", filter=Q(status__in=Referral.HOLDING)),
        sent=Count("pk", filter=Q(status=Referral.Status.SENT)),
    )
    waits = [
        _days(sent, accepted)
        for sent, accepted in referrals.filter(accepted_at__isnull=False).values_list(
            "sent_at", "accepted_at"
        )
    ]
    kind = kinds.kind_of(provider)
    quota = not kind.holds_slots
    if quota:
        open_cases = len(kinds.quota_households([provider.pk])[provider.pk])
    else:
        open_cases = counts["holding"]
    return ProviderDashboard(
        capacity=kind.capacity(kind.profile(provider)),
        open_cases=open_cases,
        quota=quota,
        awaiting_answer=counts["sent"],
        overdue=referrals.overdue(now).count(),
        average_days_to_accept=round(statistics.fmean(waits), 1) if waits else None,
    )


@dataclass(frozen=True)
class ProviderRate:
    provider_id: int
    name: str
    accepted: int
    answered: int

    @property
    def rate(self) -> float:
        return self.accepted / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class BureauDashboard:
    by_status: list[tuple[str, str, int]]
    total: int
    overdue: int
    median_days_to_accept: float | None
    median_days_to_first_service: float | None
    acceptance: list[ProviderRate]
    without_candidate: list[IntakeCase]
    waiting_at_intake: int


def bureau_dashboard(
    user, *, since: dt.date | None = None, now: dt.datetime | None = None
) -> BureauDashboard:
    """Referrals in the user's area: counts, speed, acceptance by provider, unmatched needs."""
    now = now or timezone.now()
    referrals = Referral.objects.for_user(user)
    if since is not None:
        referrals = referrals.filter(sent_at__date__gte=since)
    counts = dict(
        referrals.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    to_accept = [
        _days(sent, accepted)
        for sent, accepted in referrals.filter(accepted_at__isnull=False).values_list(
            "sent_at", "accepted_at"
        )
    ]
    to_service = [
        (first - timezone.localtime(sent).date()).days
        for sent, first in referrals.filter(first_service_on__isnull=False).values_list(
            "sent_at", "first_service_on"
        )
    ]
    answered = (
        referrals.filter(Q(accepted_at__isnull=False) | Q(status__in=Referral.REFUSED))
        .order_by()
        .values_list("provider_id")
        .annotate(
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            answered=Count("pk"),
        )
    )
    rates = list(answered)
    names = provider_names(pk for pk, _a, _t in rates)
    acceptance = sorted(
        (ProviderRate(pk, names.get(pk, "?"), accepted, total) for pk, accepted, total in rates),
        key=lambda row: (row.rate, -row.answered, row.name),
    )
    cases = intake_cases_for(user).waiting()
    return BureauDashboard(
        by_status=[
            (value, label, counts.get(value, 0)) for value, label in Referral.Status.choices
        ],
        total=sum(counts.values()),
        overdue=referrals.overdue(now).count(),
        median_days_to_accept=round(statistics.median(to_accept), 1) if to_accept else None,
        median_days_to_first_service=(
            round(float(statistics.median(to_service)), 1) if to_service else None
        ),
        acceptance=acceptance,
        without_candidate=list(cases.filter(candidate_count=0)[:50]),
        waiting_at_intake=cases.count(),
    )
