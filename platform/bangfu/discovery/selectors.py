"""Reads for the pages of finding people: every queryset scoped to the user (assistants their
villages, bureau staff their region; providers and charities nothing), with its joins."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Flag, Rule, Task
from bangfu.regions.models import Region
from bangfu.registry.models import Member, StatusDecision
from bangfu.registry.tallies import fresh_tally_rows, place_tallies

Outcome = Task.Outcome
# A warning ends in enrolment when the township confirmed the enrolment its visit recommended.
ENROLLED = Q(task__decision__state=StatusDecision.State.CONFIRMED) & Q(
    task__decision__kind=StatusDecision.Kind.ENROL
)


def reads_discovery(user) -> bool:
    """Assistants and bureau staff work here; station staff, volunteers, charities do not."""
    return scope_for(user).reads_registry


# The columns the warning list shows or ranks by. Reading all the others too (a model's
# features, every column of a household and a task) costs 1.5 ms of Python a page.
LISTED = (
    "rule", "evidence", "rule_weight", "risk_score", "fired_on",
    "member_id", "candidate_id", "flagged_user_id",
    "region__name", "region__parent__name",
    "household__registry_number",
    "task__status", "task__outcome", "task__due_on",
)  # fmt: skip


def flags_for(user) -> QuerySet[Flag]:
    """Warnings with what their list shows. PostgreSQL plans a join of eleven tables for 25–50
    ms (it executes in 1), so the people a warning names are not joined: the list reads their
    names alone (``explain.name_subjects``)."""
    return (
        Flag.objects.for_user(user)
        .select_related("region__parent", "household", "task")
        .only(*LISTED)
    )


def flags_in_full(user) -> QuerySet[Flag]:
    """Warnings with what a warning's own page shows: its person, its source record and its
    verifier too."""
    return (
        Flag.objects.for_user(user)
        .select_related(
            "region__parent", "household", "task__assignee", "record__crosscheck_import"
        )
        .prefetch_related("member", "candidate", "flagged_user")
    )


def ranked(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """The likeliest enrolments first; without a trained model, by the rules' weights."""
    return flags.order_by(F("risk_score").desc(nulls_last=True), "-rule_weight", "-fired_on", "pk")


def tasks_for(user) -> QuerySet[Task]:
    return Task.objects.for_user(user).select_related(
        "region__parent", "household", "candidate", "assignee", "flag"
    )


def worklist(user, *, kind: str) -> QuerySet[Task]:
    """Open tasks of one kind; verifications ranked like their warnings, the rest by date."""
    tasks = tasks_for(user).open().filter(kind=kind)
    if kind == Task.Kind.VERIFY:
        return tasks.order_by(
            F("flag__risk_score").desc(nulls_last=True), "-flag__rule_weight", "due_on", "pk"
        )
    return tasks.order_by("due_on", "pk")


def require_import(*, by) -> None:
    scope = scope_for(by)
    if not (scope.everything or (scope.can_write and scope.region_paths)):
        raise PermissionDenied(_("Only bureau staff import other departments' files."))


def import_regions(user):
    """The regions a user may import a file for: their bureaux' regions."""
    scope = scope_for(user)
    regions = Region.objects.filter(level__lte=Region.Level.TOWNSHIP)
    if scope.everything:
        return regions
    if not scope.can_write:
        return regions.none()
    return regions.filter(path__in=scope.region_paths)


def imports_for(user) -> QuerySet[CrossCheckImport]:
    scope = scope_for(user)
    imports = CrossCheckImport.objects.select_related("region", "imported_by")
    if scope.everything:
        return imports
    if not scope.region_paths:
        return imports.none()
    return imports.filter(scope.region_q("region"))


def household_members(household) -> list[Member]:
    return list(household.members.all()) if household else []


@dataclass(frozen=True)
class Breakdown:
    """The places a dashboard's table divides the user's area into, one level below its
    highest region: a province's by city, a city's by county, a county's (or an assistant's
    villages) by township. A province's thousand townships would make a page of a megabyte."""

    level: int
    lookup: str  # from the village a row sits in up to its place
    heading: str
    column: str


def breakdown_for(user) -> Breakdown:
    scope = scope_for(user)
    # A region's level is its path's depth: "53/" a province, "53/5304/" a city, …
    depths = [path.count("/") for path in scope.region_paths]
    top = Region.Level.PROVINCE if scope.everything else min(depths, default=Region.Level.COUNTY)
    if top <= Region.Level.PROVINCE:
        return Breakdown(
            Region.Level.CITY, "region__parent__parent__parent", _("Per city"), _("City")
        )
    if top == Region.Level.CITY:
        return Breakdown(
            Region.Level.COUNTY, "region__parent__parent", _("Per county"), _("County")
        )
    return Breakdown(Region.Level.TOWNSHIP, "region__parent", _("Per township"), _("Township"))


@dataclass(frozen=True)
class PlaceCounts:
    place: Region
    found: int
    verified: int
    enrolled: int
    referred: int
    dismissed: int
    open: int
    overdue: int


# The dashboard's measures of warnings, kept per village and rule in the region tallies
# (``registry.tallies``, refreshed every ten minutes) as "warnings_<name>"; those of the
# warnings above villages (across areas), which no place's row counts, as
# "warnings_above_<name>", for the rules' counts only.
TALLY_PREFIX = "warnings_"
ABOVE_PREFIX = "warnings_above_"
MEASURES = ("found", "verified", "enrolled", "referred", "dismissed", "open", "overdue")
RULE_MEASURES = ("found", "enrolled")


def warning_measures(today: dt.date) -> dict[str, Q]:
    """What the dashboard counts of warnings, by name: one definition for the live count and
    the tallies'. Overdue is as of ``today`` (the refresh's day, for a tally)."""
    return {
        "found": Q(),
        "verified": Q(task__status=Task.Status.DONE),
        "enrolled": ENROLLED,
        "referred": Q(task__outcome=Outcome.REFERRED),
        "dismissed": Q(task__outcome=Outcome.DISMISSED),
        "open": Q(task__status=Task.Status.OPEN),
        "overdue": Q(task__status=Task.Status.OPEN, task__due_on__lt=today),
    }


def warning_tally_rows(now: dt.datetime):
    """The tallies' rows of warnings: (region, measure, rule, count) for every region holding
    any (``registry.tallies.register_tally_source``)."""
    measures = warning_measures(timezone.localdate(now))
    rows = (
        Flag.objects.order_by()
        .values_list("region", "region__level", "rule")
        .annotate(**{name: Count("pk", filter=q) for name, q in measures.items()})
    )
    for region_id, level, rule, *counts in rows:
        in_village = level == Region.Level.VILLAGE
        for name, n in zip(measures, counts, strict=True):
            if in_village:
                yield region_id, TALLY_PREFIX + name, rule, n
            elif name in RULE_MEASURES:
                yield region_id, ABOVE_PREFIX + name, rule, n


def _tallied(user) -> tuple[QuerySet, dt.datetime] | None:
    measures = [prefix + name for prefix in (TALLY_PREFIX, ABOVE_PREFIX) for name in RULE_MEASURES]
    return fresh_tally_rows(user, measures)


def place_counts(
    user, breakdown: Breakdown, *, today: dt.date
) -> tuple[list[PlaceCounts], dt.datetime | None]:
    """Warnings found, verified and ending in enrolment, per place of ``breakdown`` (warnings
    above villages, across areas, in no place), and the time of the tallies they come from
    (None: counted now)."""
    tallied = place_tallies(user, [TALLY_PREFIX + name for name in MEASURES], breakdown.level)
    if tallied is not None:
        by_path, as_of = tallied
        at = {place.path: place for place in Region.objects.filter(path__in=list(by_path))}
        places = {place.pk: place for place in at.values()}
        per_place = {
            at[path].pk: {name: counts[TALLY_PREFIX + name] for name in MEASURES}
            for path, counts in by_path.items()
            if path in at
        }
    else:
        as_of = None
        measures = warning_measures(today)
        live = (
            Flag.objects.for_user(user)
            .filter(region__level=Region.Level.VILLAGE)
            .order_by()
            .values(place_id=F(breakdown.lookup))
            .annotate(**{name: Count("pk", filter=q) for name, q in measures.items()})
        )
        per_place = {row.pop("place_id"): row for row in live}
        places = Region.objects.in_bulk(list(per_place))
    counts = [
        PlaceCounts(place=places[place_id], **values)
        for place_id, values in per_place.items()
        if place_id in places
    ]
    return sorted(counts, key=lambda item: item.place.code), as_of


def rule_counts(user) -> list[tuple[str, str, int, int]]:
    """(rule, label, warnings, enrolled) for every rule, in the order of the rules."""
    tallied = _tallied(user)
    if tallied is not None:
        summed = tallied[0].order_by().values_list("key", "measure").annotate(n=Sum("count"))
        totals: dict[str, list[int]] = {}
        for rule, measure, n in summed:
            totals.setdefault(rule, [0, 0])[measure.endswith("enrolled")] += n
        rows = {rule: tuple(pair) for rule, pair in totals.items()}
    else:
        rows = dict(
            (row["rule"], (row["n"], row["enrolled"]))
            for row in Flag.objects.for_user(user)
            .order_by()
            .values("rule")
            .annotate(n=Count("pk"), enrolled=Count("pk", filter=ENROLLED))
        )
    return [(rule, label, *rows.get(rule, (0, 0))) for rule, label in Rule.choices]


@dataclass(frozen=True)
class OverdueGroup:
    label: str
    region: Region | None
    assignee: object
    count: int
    oldest: dt.date


def overdue_groups(user, *, today: dt.date, by: str) -> list[OverdueGroup]:
    """Overdue tasks per assistant (``by="assignee"``) or per place (``by="place"``, as
    ``breakdown_for`` divides the user's area)."""
    overdue = Task.objects.for_user(user).overdue(today).order_by()
    if by == "assignee":
        rows = overdue.values("assignee").annotate(n=Count("pk"), oldest=Min("due_on"))
        users = get_user_model().objects.in_bulk([row["assignee"] for row in rows])
        groups = [
            OverdueGroup(
                label=str(users[row["assignee"]]) if row["assignee"] else _("nobody assigned"),
                region=None,
                assignee=users.get(row["assignee"]),
                count=row["n"],
                oldest=row["oldest"],
            )
            for row in rows
        ]
    else:
        lookup = breakdown_for(user).lookup
        rows = overdue.values(place_id=F(lookup)).annotate(n=Count("pk"), oldest=Min("due_on"))
        places = Region.objects.in_bulk([row["place_id"] for row in rows])
        groups = [
            OverdueGroup(
                label=places[row["place_id"]].name,
                region=places[row["place_id"]],
                assignee=None,
                count=row["n"],
                oldest=row["oldest"],
            )
            for row in rows
            if row["place_id"] in places
        ]
    return sorted(groups, key=lambda group: (-group.count, group.label))


def candidates_for(user) -> QuerySet[CandidatePerson]:
    return CandidatePerson.objects.for_user(user).select_related("region__parent")
