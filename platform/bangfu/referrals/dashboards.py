"""The referral dashboards: a provider's load in the portal, the bureau's view of its area."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from bangfu.providers import kinds
from bangfu.providers.models import Provider
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.models.referrals import overdue_q
from bangfu.referrals.selectors import intake_cases_for, provider_names
from bangfu.registry.tallies import TallyRow, tallies_for

# The bureau dashboard's measures in the region tallies (bangfu.registry.tallies).
REFERRALS = "referrals"  # key: status
REFERRALS_OVERDUE = "referrals_overdue"
REFERRALS_ACCEPTED = "referrals_accepted"  # key: provider id
REFERRALS_ANSWERED = "referrals_answered"  # key: provider id
INTAKE_WAITING = "intake_waiting"
# The medians' histograms: how many referrals took each number of whole hours from sending to
# acceptance (the median is read to the hour: each hour counts as its middle), and each number
# of days from sending (its local date) to the first service (exact).
HOURS_TO_ACCEPT = "referrals_hours_to_accept"  # key: whole hours
DAYS_TO_SERVICE = "referrals_days_to_service"  # key: days
BUREAU_MEASURES = (
    REFERRALS,
    REFERRALS_OVERDUE,
    REFERRALS_ACCEPTED,
    REFERRALS_ANSWERED,
    INTAKE_WAITING,
    HOURS_TO_ACCEPT,
    DAYS_TO_SERVICE,
)
HOUSEHOLD_REGION = "need__household__region"
# What the bureau dashboard shows of a waiting case without a candidate: joining its household
# and its opener, and reading every column, cost 3 ms of PostgreSQL planning and Python a page.
UNMATCHED_SHOWN = (
    "candidates_checked_at",
    "region__name",
    "region__parent__name",
    "need__category__name",
)


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


def _days_to_service(sent: dt.datetime, first: dt.date) -> int:
    return (first - timezone.localtime(sent).date()).days


def _median(counts: dict[float, int]) -> float | None:
    """The median of values given as a histogram (value: how many), as ``statistics.median``
    gives it for the values listed one by one."""
    total = sum(counts.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]  # the middle one twice, or the middle two
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return sum(found) / 2


def _round(median: float | None) -> float | None:
    return None if median is None else round(float(median), 1)


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
    """A provider's load against its capacity (or quota), what waits for it, how fast it is:
    its referrals counted in one query."""
    now = now or timezone.now()
    accepted = Q(accepted_at__isnull=False)
    counts = Referral.objects.for_provider(provider.pk).aggregate(
        holding=Count("pk", filter=Q(status__in=Referral.HOLDING)),
        sent=Count("pk", filter=Q(status=Referral.Status.SENT)),
        overdue=Count("pk", filter=overdue_q(now)),
        accepted=Count("pk", filter=accepted),
        waited=Sum(F("accepted_at") - F("sent_at"), filter=accepted),
    )
    kind = kinds.kind_of(provider)
    quota = not kind.holds_slots
    if quota:
        open_cases = len(kinds.quota_households([provider.pk])[provider.pk])
    else:
        open_cases = counts["holding"]
    average = None
    if counts["accepted"]:
        average = round(counts["waited"].total_seconds() / 86400 / counts["accepted"], 1)
    return ProviderDashboard(
        capacity=kind.capacity(kind.profile(provider)),
        open_cases=open_cases,
        quota=quota,
        awaiting_answer=counts["sent"],
        overdue=counts["overdue"],
        average_days_to_accept=average,
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
    # The time of the tallies' refresh the counts come from (None: counted live); the median
    # days to accept are then read to the hour.
    as_of: dt.datetime | None = None
    # How many providers answered referrals: ``acceptance`` holds the lowest of them.
    providers_answered: int = 0


def _answered(referrals, *by: str):
    """(*by, provider id, accepted, answered) of the referrals a provider accepted or refused."""
    return (
        referrals.filter(Q(accepted_at__isnull=False) | Q(status__in=Referral.REFUSED))
        .order_by()
        .values_list(*by, "provider_id")
        .annotate(
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            answered=Count("pk"),
        )
    )


def bureau_tally_rows(now: dt.datetime) -> Iterable[TallyRow]:
    """The bureau dashboard's counts per region, for the tallies (without a "since" date)."""
    referrals = Referral.objects.order_by()
    by_status = referrals.values_list(HOUSEHOLD_REGION, "status").annotate(n=Count("pk"))
    for region_id, status, n in by_status:
        yield region_id, REFERRALS, status, n
    overdue = referrals.overdue(now).values_list(HOUSEHOLD_REGION).annotate(n=Count("pk"))
    for region_id, n in overdue:
        yield region_id, REFERRALS_OVERDUE, "", n
    for region_id, provider_id, accepted, answered in _answered(referrals, HOUSEHOLD_REGION):
        yield region_id, REFERRALS_ACCEPTED, str(provider_id), accepted
        yield region_id, REFERRALS_ANSWERED, str(provider_id), answered
    waiting = IntakeCase.objects.waiting().order_by().values_list("region").annotate(n=Count("pk"))
    for region_id, n in waiting:
        yield region_id, INTAKE_WAITING, "", n
    hours = Counter(
        (region_id, int((accepted - sent).total_seconds() // 3600))
        for region_id, sent, accepted in referrals.filter(accepted_at__isnull=False).values_list(
            HOUSEHOLD_REGION, "sent_at", "accepted_at"
        )
    )
    for (region_id, hour), n in hours.items():
        yield region_id, HOURS_TO_ACCEPT, str(hour), n
    days = Counter(
        (region_id, _days_to_service(sent, first))
        for region_id, sent, first in referrals.filter(first_service_on__isnull=False).values_list(
            HOUSEHOLD_REGION, "sent_at", "first_service_on"
        )
    )
    for (region_id, day), n in days.items():
        yield region_id, DAYS_TO_SERVICE, str(day), n


# The acceptance chart shows the providers that accept least often. A province's providers
# answer by the thousand: they are ranked by their counts, and named only when shown.
ACCEPTANCE_SHOWN = 20


def lowest_rates(rates, shown: int) -> list[ProviderRate]:
    """The ``shown`` providers of ``rates`` ((provider id, accepted, answered), …) with the
    lowest acceptance, lowest first: more answers first at one rate, then by name. Names are
    read for those shown and those tied with the last of them, in one query."""

    def rank(row) -> tuple[float, int]:
        _pk, accepted, answered = row
        return ProviderRate(0, "", accepted, answered).rate, -answered

    candidates = sorted(rates, key=rank)
    if len(candidates) > shown:
        last = rank(candidates[shown - 1])
        candidates = [row for row in candidates if rank(row) <= last]
    names = provider_names(pk for pk, _a, _t in candidates)
    rows = sorted(
        (
            ProviderRate(pk, names.get(pk, "?"), accepted, total)
            for pk, accepted, total in candidates
        ),
        key=lambda row: (row.rate, -row.answered, row.name, row.provider_id),
    )
    return rows[:shown]


def bureau_dashboard(
    user, *, since: dt.date | None = None, now: dt.datetime | None = None
) -> BureauDashboard:
    """Referrals in the user's area: counts, speed, acceptance by provider, unmatched needs.
    Without ``since`` the counts come from the region tallies while they are fresh."""
    tallies = tallies_for(user, BUREAU_MEASURES) if since is None and now is None else None
    now = now or timezone.now()
    referrals = Referral.objects.for_user(user)
    if since is not None:
        referrals = referrals.filter(sent_at__date__gte=since)
    cases = intake_cases_for(user).waiting()
    if tallies is not None:
        counts = tallies.by_key(REFERRALS)
        overdue = tallies.get(REFERRALS_OVERDUE)
        answered = tallies.by_key(REFERRALS_ANSWERED)
        accepted = tallies.by_key(REFERRALS_ACCEPTED)
        rates = [(int(pk), accepted.get(pk, 0), total) for pk, total in answered.items()]
        waiting = tallies.get(INTAKE_WAITING)
        to_accept = {
            (int(hour) + 0.5) / 24: n for hour, n in tallies.by_key(HOURS_TO_ACCEPT).items()
        }
        to_service = {int(day): n for day, n in tallies.by_key(DAYS_TO_SERVICE).items()}
    else:
        counts = dict(
            referrals.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        overdue = referrals.overdue(now).count()
        rates = list(_answered(referrals))
        waiting = cases.count()
        to_accept = Counter(
            _days(sent, accepted)
            for sent, accepted in referrals.filter(accepted_at__isnull=False).values_list(
                "sent_at", "accepted_at"
            )
        )
        to_service = Counter(
            _days_to_service(sent, first)
            for sent, first in referrals.filter(first_service_on__isnull=False).values_list(
                "sent_at", "first_service_on"
            )
        )
    acceptance = lowest_rates(rates, ACCEPTANCE_SHOWN)
    return BureauDashboard(
        by_status=[
            (value, label, counts.get(value, 0)) for value, label in Referral.Status.choices
        ],
        total=sum(counts.values()),
        overdue=overdue,
        median_days_to_accept=_round(_median(to_accept)),
        median_days_to_first_service=_round(_median(to_service)),
        acceptance=acceptance,
        providers_answered=len(rates),
        without_candidate=list(
            cases.filter(candidate_count=0)
            .select_related(None)
            .select_related("region__parent", "need__category")
            .only(*UNMATCHED_SHOWN)[:50]
        ),
        waiting_at_intake=waiting,
        as_of=tallies.as_of if tallies is not None else None,
    )
