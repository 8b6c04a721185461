"""The dashboards' counts, kept per region in ``RegionTally`` by a scheduled refresh.

Why a refresh and not counters kept by every write: the counts move with many writers (forms,
ledger imports, bulk status changes, the nightly sweeps) and with the calendar (a review becomes
overdue at midnight with no write at all). A refresh is a handful of GROUP BY queries, the same
definitions as the live counts, so it cannot drift; the pages say when it ran.

Each region keeps the counts of the rows registered in it and, rolled up at the refresh, of the
rows registered below it (``RegionTally.below``). An area is read at its top: a province's
user reads the province's two rows per measure and key, not its villages' hundreds of
thousands; a dashboard's breakdown one level down reads the rows of the regions of that level.

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

from bangfu.accounts.scoping import Scope, scope_for
from bangfu.regions.models import Region
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
        # A row in no region (a warning across provinces) is in no area's tally.
        if n and region_id is not None
    ]
    rows += [
        RegionTally(
            region_id=region_id, measure=measure, key=key, count=n, below=True, refreshed_at=now
        )
        for (region_id, measure, key), n in rolled_up(rows).items()
    ]
    RegionTally.objects.all().delete()
    RegionTally.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def rolled_up(rows: Iterable[RegionTally]) -> Counter:
    """The counts of ``rows`` (registered in their regions) in every region above theirs:
    (region id, measure, key) -> count. Climbs the parents, so a region at any depth (a
    township's case with no village, a county's warning) adds to each region above it once."""
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    below: Counter = Counter()
    for row in rows:
        above = parents.get(row.region_id)
        while above is not None:
            below[above, row.measure, row.key] += row.count
            above = parents.get(above)
    return below


@dataclass(frozen=True)
class Tallies:
    """The counts of one user's area, summed over its regions."""

    counts: Counter
    as_of: dt.datetime

    def get(self, measure: str, key: str = "") -> int:
        return self.counts[measure, key]

    def by_key(self, measure: str) -> dict[str, int]:
        return {key: n for (name, key), n in self.counts.items() if name == measure}


def _fresh_as_of(user, now: dt.datetime | None) -> dt.datetime | None:
    """The time of the tallies' refresh, or None when the live query must answer: no fresh
    tallies, or a user who reads rows through referrals rather than by region (whose counts a
    region's tally cannot give)."""
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
    return as_of


def area_roots(scope: Scope) -> tuple[str, ...]:
    """The paths of the scope's regions, less those inside another of them (a county inside
    the user's province adds nothing to the province)."""
    roots: list[str] = []
    for path in sorted(set(scope.region_paths)):  # a path sorts before those it starts
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return tuple(roots)


def area_q(scope: Scope) -> Q:
    """The tally rows whose sum is the count of the scope's area: both rows of the regions at
    its top, the rows registered in an assistant's villages; the rows registered anywhere in
    it (a path prefix over its villages' rows) where a bureau's region and an assistant's
    villages may overlap."""
    if scope.everything:
        return Q(region__parent=None)
    if scope.region_paths and scope.village_ids:
        return Q(scope.region_q("region"), below=False)
    if scope.village_ids:
        return Q(region__in=scope.village_ids, below=False)
    return Q(region__path__in=area_roots(scope))


def places_q(scope: Scope, level: int) -> Q | None:
    """The tally rows whose sum per region is the count of each place at ``level`` in the
    scope's area (the rows registered in the place or below it): the rows of the regions one
    level below its top, or of its top. None where the area's top is not at or just above
    ``level`` (an assistant's villages, a province and a county elsewhere). A level is a
    path's depth ("53/" a province, "53/5304/" a city)."""
    if scope.everything:
        return Q(region__level=level)
    if scope.village_ids:
        return None
    roots = area_roots(scope)
    if any(root.count("/") not in (level - 1, level) for root in roots):
        return None
    return Q(region__parent__path__in=[root for root in roots if root.count("/") == level - 1]) | Q(
        region__path__in=[root for root in roots if root.count("/") == level]
    )


def fresh_tally_rows(
    user, measures: Iterable[str], *, now: dt.datetime | None = None
) -> tuple[QuerySet[RegionTally], dt.datetime] | None:
    """The tally rows of ``measures`` whose sum is the count of the user's area
    (``area_q``) and the time of their refresh, or None when the live query must answer."""
    as_of = _fresh_as_of(user, now)
    if as_of is None:
        return None
    rows = RegionTally.objects.filter(area_q(scope_for(user)), measure__in=list(measures))
    return rows, as_of


def place_tallies(
    user, measures: Iterable[str], level: int, *, now: dt.datetime | None = None
) -> tuple[dict[str, Counter], dt.datetime] | None:
    """The counts of ``measures`` (summed over their keys) of each place at ``level`` in the
    user's area, by the place's path, and the time of their refresh; None as
    ``fresh_tally_rows``. Rows registered above that level are in no place."""
    as_of = _fresh_as_of(user, now)
    if as_of is None:
        return None
    scope = scope_for(user)
    measures = list(measures)
    places = places_q(scope, level)
    if places is None:
        # The rows registered in the area, each counted in the region of ``level`` above it.
        rows = RegionTally.objects.filter(
            scope.region_q("region"), below=False, measure__in=measures
        )
    else:
        rows = RegionTally.objects.filter(places, measure__in=measures)
    summed = rows.order_by().values_list("region__path", "measure").annotate(n=Sum("count"))
    counts: dict[str, Counter] = {}
    for path, measure, n in summed:
        parts = path.split("/")
        if len(parts) > level:
            place = "/".join(parts[:level]) + "/"
            counts.setdefault(place, Counter())[measure] += n
    return counts, as_of


def tallies_for(user, measures: Iterable[str], *, now: dt.datetime | None = None) -> Tallies | None:
    """The user's area's counts of ``measures`` from the tallies (``fresh_tally_rows``)."""
    found = fresh_tally_rows(user, measures, now=now)
    if found is None:
        return None
    rows, as_of = found
    summed = rows.order_by().values_list("measure", "key").annotate(n=Sum("count"))
    return Tallies(Counter({(measure, key): n for measure, key, n in summed}), as_of)
