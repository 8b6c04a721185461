"""The dashboards' counts, kept per region in ``RegionTally`` by a scheduled refresh.

Why a refresh and not counters kept by every write: the counts move with many writers (forms,
ledger imports, bulk status changes, the nightly sweeps) and with the calendar (a review becomes
overdue at midnight with no write at all). A refresh is a handful of GROUP BY queries, the same
definitions as the live counts, so it cannot drift; the pages say when it ran.

Date-relative counts (reviews overdue, referrals past their deadline) are counted at the
refresh, as of its time. Tallies are used only while they are from today and younger than
``REGION_TALLIES_MAX_AGE_SECONDS``; otherwise, and for a user whose reach is not a set of
regions (a provider's people read through referrals), the dashboard counts live.

Apps above the registry add their measures with ``register_tally_source`` (in
``AppConfig.ready``): a function of the refresh's time returning (region id, measure, key,
count) rows.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from bangfu.accounts.scoping import scope_for
from bangfu.registry.models import Household, Need, RegionTally

TallyRow = tuple[int, str, str, int]
TallySource = Callable[[dt.datetime], Iterable[TallyRow]]

# Days ahead within which a review counts as "soon" on the household list's strip.
REVIEW_SOON_DAYS = 30

OPEN_NEEDS = "open_needs"  # key: urgency
HOUSEHOLDS = "households"  # current households; key: tier
REVIEWS = "reviews"  # current households; key: "overdue" or "soon"

# The lock of the refreshes (any 64-bit number no other code uses): "bangfu:t" in ASCII.
ADVISORY_LOCK = int.from_bytes(b"bangfu:t", "big") & (2**63 - 1)

_sources: list[TallySource] = []


def register_tally_source(source: TallySource) -> None:
    if source not in _sources:
        _sources.append(source)


def review_counts(today: dt.date) -> dict[str, Count]:
    """Aggregates of households whose review is overdue, or due within ``REVIEW_SOON_DAYS``."""
    return {
        "overdue": Count("pk", filter=Q(next_review_due__lt=today)),
        "soon": Count(
            "pk",
            filter=Q(
                next_review_due__gte=today,
                next_review_due__lte=today + dt.timedelta(days=REVIEW_SOON_DAYS),
            ),
        ),
    }


def registry_rows(now: dt.datetime) -> Iterable[TallyRow]:
    """The household list's strip: open needs by urgency, current households by tier, reviews
    overdue and due within ``REVIEW_SOON_DAYS`` of the day of ``now``."""
    today = timezone.localdate(now)
    needs = (
        Need.objects.open()
        .order_by()
        .values_list("household__region", "urgency")
        .annotate(n=Count("pk"))
    )
    for region_id, urgency, n in needs:
        yield region_id, OPEN_NEEDS, urgency, n
    current = Household.objects.exclude(status=Household.Status.EXITED).order_by()
    for region_id, tier, n in current.values_list("region", "tier").annotate(n=Count("pk")):
        yield region_id, HOUSEHOLDS, tier, n
    reviews = current.values_list("region").annotate(**review_counts(today))
    for region_id, overdue, soon in reviews:
        yield region_id, REVIEWS, "overdue", overdue
        yield region_id, REVIEWS, "soon", soon


register_tally_source(registry_rows)


@transaction.atomic
def tallies_refresh(*, now: dt.datetime | None = None) -> int:
    """Recount every measure of every region and replace the tallies (safe to run twice: a
    second refresh waits for the first). Returns the number of rows kept."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
    rows = [
        RegionTally(region_id=region_id, measure=measure, key=key, count=n, refreshed_at=now)
        for source in _sources
        for region_id, measure, key, n in source(now)
        if n
    ]
    RegionTally.objects.all().delete()
    RegionTally.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


@dataclass(frozen=True)
class Tallies:
    """The counts of one user's area, summed over its regions."""

    counts: Counter
    as_of: dt.datetime

    def get(self, measure: str, key: str = "") -> int:
        return self.counts[measure, key]

    def by_key(self, measure: str) -> dict[str, int]:
        return {key: n for (name, key), n in self.counts.items() if name == measure}


def fresh_tally_rows(
    user, measures: Iterable[str], *, now: dt.datetime | None = None
) -> tuple[QuerySet[RegionTally], dt.datetime] | None:
    """The tally rows of ``measures`` in the user's area and the time of their refresh, or None
    when the live query must answer: no fresh tallies, or a user who reads rows through
    referrals rather than by region (whose counts a region's tally cannot give)."""
    scope = scope_for(user)
    if scope.is_provider or scope.is_empty:
        return None
    now = now or timezone.now()
    as_of = RegionTally.objects.aggregate(at=Max("refreshed_at"))["at"]
    if (
        as_of is None
        or timezone.localdate(as_of) != timezone.localdate(now)
        or (now - as_of).total_seconds() > settings.REGION_TALLIES_MAX_AGE_SECONDS
    ):
        return None
    rows = RegionTally.objects.filter(measure__in=list(measures))
    if not scope.everything:
        rows = rows.filter(scope.region_q("region"))
    return rows, as_of


def tallies_for(user, measures: Iterable[str], *, now: dt.datetime | None = None) -> Tallies | None:
    """The user's area's counts of ``measures`` from the tallies (``fresh_tally_rows``)."""
    found = fresh_tally_rows(user, measures, now=now)
    if found is None:
        return None
    rows, as_of = found
    summed = rows.order_by().values_list("measure", "key").annotate(n=Sum("count"))
    return Tallies(Counter({(measure, key): n for measure, key, n in summed}), as_of)
