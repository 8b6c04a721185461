"""Reads of the registry for the staff interface: every queryset is already scoped to the user
and carries the joins its page needs."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.accounts.scoping import scope_for
from bangfu.core.links import row_url
from bangfu.core.masking import mask_id_number, mask_name
from bangfu.regions.models import Region, county_keys_of, within_any
from bangfu.registry.models import (
    Assessment,
    Household,
    Member,
    Need,
    ServiceCategory,
    StatusDecision,
    TemporaryGrant,
    Tier,
)
from bangfu.registry.tallies import (
    HOUSEHOLDS,
    OPEN_NEEDS,
    REVIEWS,
    review_counts,
    tallies_for,
)


def households_for(user) -> QuerySet[Household]:
    """The households the user may see, with their village and township."""
    return Household.objects.for_user(user).select_related("region__parent")


def household_list(user) -> QuerySet[Household]:
    """Households for the list page, members prefetched (for the head). Its counts and top
    priority are the household's own columns (``registry.summaries``), which it sorts by."""
    return households_for(user).filter(counties_of_area(user)).prefetch_related("members")


def counties_of_area(user) -> Q:
    """The counties of the user's area, when it lies within counties: a condition on the
    ``county`` of households, members or needs that leaves out none of the area's (each
    household's county is its village's, each member's and need's its household's, kept by
    ``save`` and ``bulk_create``) and lets PostgreSQL read a county's rows in a list's order
    from one index, instead of walking every county's for the first 25 of its own.

    Who may see a row is still the area's paths (``for_user``); an area above the county level
    (a city, a province), or an assistant's villages, adds no condition."""
    return _area_counties(user)[0]


def area_is_whole_counties(user) -> bool:
    """Whether the user's area is whole counties (a county bureau's): then the rows of its
    counties (``counties_of_area``) are the rows of its area, but for one whose county has not
    yet followed a move (put right by ``summaries_repair``)."""
    return _area_counties(user)[1]


def _area_counties(user) -> tuple[Q, bool]:
    """``counties_of_area`` and ``area_is_whole_counties``, read once per scope (so once per
    request)."""
    scope = scope_for(user)
    if scope.everything or scope.village_ids or not scope.region_paths:
        return Q(), False
    kept = user.__dict__.get("_bangfu_area_counties")
    if kept is not None and kept[0] is scope:
        return kept[1]
    found = county_keys_of(scope.region_paths)
    if len(found) < len(scope.region_paths) or any(
        level < Region.Level.COUNTY for _county, level in found.values()
    ):
        answer = Q(), False
    else:
        answer = (
            Q(county__in=sorted({county for county, _level in found.values()})),
            all(level == Region.Level.COUNTY for _county, level in found.values()),
        )
    user.__dict__["_bangfu_area_counties"] = (scope, answer)
    return answer


# The column of ``area_rows`` that says whether a row is in the user's area.
IN_AREA = "in_area"


def area_rows(model, user) -> tuple[QuerySet, str]:
    """The rows of ``model`` (households, members: a ``ScopedQuerySet`` with a ``county``) in
    the user's area, for a read in an index's order, and the name of the column that says
    which of them are in the area ("": all are), for ``keyset_page(shown=…)``.

    A county bureau's are its counties' rows, its area's paths asked in that column: in the
    WHERE clause, PostgreSQL takes the county and the village's path for independent
    conditions, expects a hundredth of the county's rows, and sorts all of them (about 9,000
    households at a million) for a page of 25, rather than read the county's first from an
    index that begins with it. A row whose county has not yet followed its village's move is
    read past, never shown outside its area (``summaries_repair`` puts its county right)."""
    if not area_is_whole_counties(user):
        return model.objects.for_user(user), ""
    lookup = model.objects.none().region_lookup
    in_area = ExpressionWrapper(scope_for(user).region_q(lookup), output_field=BooleanField())
    return model.objects.filter(counties_of_area(user)).annotate(**{IN_AREA: in_area}), IN_AREA


def household_list_page(user) -> tuple[QuerySet[Household], str]:
    """The households of the list page (``household_list``, or a county bureau's
    ``area_rows``), and the name of its column that says which are in the user's area."""
    households, shown = area_rows(Household, user)
    if not shown:
        return household_list(user), ""
    return households.select_related("region__parent"), shown


# The columns the household list shows, read as plain rows: a page of households, each with
# its village, township and members, costs more to build than the page's SQL.
HOUSEHOLD_LIST_COLUMNS = (
    "pk",
    "registry_number",
    "status",
    "tier",
    "region__name",
    "region__parent__name",
    "member_count",
    "open_need_count",
    "top_open_priority",
    "next_review_due",
)


def household_list_rows(households: QuerySet[Household], shown: str = "") -> QuerySet:
    """The list's households (``household_list_page``, filtered and sorted) as dicts of the
    columns it shows and ``shown``, for ``keyset_page``; the page's heads are read apart
    (``members_and_heads``)."""
    return households.prefetch_related(None).values(*HOUSEHOLD_LIST_COLUMNS, *filter(None, [shown]))


def members_and_heads(
    member_ids, household_ids, fields: tuple[str, ...] = ("name",)
) -> tuple[dict[int, dict], dict[int, dict]]:
    """The ``fields`` of members by id, and of households' heads by household (a household
    without a head: its first member, as ``Household.head``), in one query: a page names the
    people of its rows without building the model rows of its households' members."""
    household_ids = set(household_ids)
    if not (member_ids or household_ids):
        return {}, {}
    rows = Member.objects.filter(Q(pk__in=member_ids) | Q(household__in=household_ids)).order_by(
        "household_id", "relation", "birth_date", "pk"
    )
    members, firsts, heads = {}, {}, {}
    # Within a household, the order ``Household.head`` walks (``Member.Meta.ordering``).
    for row in rows.values("pk", "household_id", "relation", *fields):
        members[row["pk"]] = row
        if row["household_id"] in household_ids:
            firsts.setdefault(row["household_id"], row)
            if row["relation"] == Member.Relation.HEAD:
                heads.setdefault(row["household_id"], row)
    return members, firsts | heads


def choice_labels(model, field: str) -> dict[str, str]:
    """The labels of a field's choices, translated once for a page: ``get_FOO_display``
    translates every label of the field on each call."""
    return {value: str(label) for value, label in model._meta.get_field(field).choices}


@dataclass(frozen=True)
class HouseholdRow:
    """A household as the list shows it: the head's name and ID number masked, its labels
    translated and its link reversed once for the page."""

    pk: int
    url: str
    registry_number: str
    status: str
    status_label: str
    head_name: str  # "" for a household with no members yet
    head_id_number: str
    village: str
    township: str
    tier: str
    tier_label: str
    member_count: int
    open_need_count: int
    top_open_priority: Decimal | None
    priority: str  # as shown, "" with no open need
    next_review: str  # "2026-03-01", or ""
    review_overdue: bool


def household_rows(rows, *, today: dt.date) -> list[HouseholdRow]:
    """A page of ``household_list_rows`` as the list shows it, its heads read in one query."""
    _members, heads = members_and_heads((), [row["pk"] for row in rows], ("name", "id_number"))
    url = row_url("registry:household-detail")
    statuses = choice_labels(Household, "status")
    tiers = choice_labels(Household, "tier")
    shaped = []
    for row in rows:
        head = heads.get(row["pk"])
        priority, review = row["top_open_priority"], row["next_review_due"]
        shaped.append(
            HouseholdRow(
                pk=row["pk"],
                url=url(row["pk"]),
                registry_number=row["registry_number"],
                status=row["status"],
                status_label=statuses.get(row["status"], row["status"]),
                head_name=mask_name(head["name"]) if head else "",
                head_id_number=mask_id_number(head["id_number"]) if head else "",
                village=row["region__name"],
                township=row["region__parent__name"] or "",
                tier=row["tier"],
                tier_label=tiers.get(row["tier"], row["tier"]),
                member_count=row["member_count"],
                open_need_count=row["open_need_count"],
                top_open_priority=priority,
                priority=floatformat(priority, "-2") if priority is not None else "",
                next_review=review.isoformat() if review else "",
                review_overdue=bool(review) and review < today,
            )
        )
    return shaped


def household_detail(user) -> QuerySet[Household]:
    """Households for the detail page: members, assessments, needs, and the status decisions
    and 临时救助 grants the user may read (``page_decisions``, newest first; ``page_grants``,
    oldest first), which its timeline and blocks share."""
    return households_for(user).prefetch_related(
        "members",
        Prefetch("assessments", queryset=Assessment.objects.select_related("assessor")),
        Prefetch("needs", queryset=Need.objects.select_related("category", "assessment")),
        Prefetch(
            "status_decisions",
            queryset=StatusDecision.objects.for_user(user).select_related(
                "member", "recommended_by", "decided_by"
            ),
            to_attr="page_decisions",
        ),
        Prefetch(
            "temporary_grants",
            queryset=TemporaryGrant.objects.for_user(user)
            .select_related("member", "proposed_by", "decided_by", "reported_to")
            .order_by("created_at", "pk"),
            to_attr="page_grants",
        ),
    )


def mark_readable(household: Household, user) -> Household:
    """Note on ``household``, read through ``households_for(user)``, that ``user`` may read it:
    ``household_readable`` then answers without a query."""
    household.__dict__["_readable_by"] = user.pk
    return household


def household_readable(user, household: Household) -> bool:
    """Whether ``user`` may read ``household``: known when the household was read through the
    user's scope on this request (``mark_readable``), else asked of the database."""
    if household.__dict__.get("_readable_by", object()) == user.pk:
        return True
    return Household.objects.for_user(user).filter(pk=household.pk).exists()


def members_for(user) -> QuerySet[Member]:
    return Member.objects.for_user(user).select_related("household__region")


def needs_for(user) -> QuerySet[Need]:
    return Need.objects.for_user(user).select_related("household__region", "category")


def service_categories() -> QuerySet[ServiceCategory]:
    """The categories a need can be recorded in (services to people, not administrative work)."""
    return ServiceCategory.objects.filter(kind=ServiceCategory.Kind.SERVICE)


def regions_in_scope(user, levels) -> QuerySet[Region]:
    """Townships and villages the user may choose, in tree order.

    Bureau staff choose anything below their region; assistants their villages and the
    townships those villages belong to.
    """
    scope = scope_for(user)
    regions = Region.objects.filter(level__in=levels).order_by("path")
    if scope.everything:
        return regions
    query = within_any(scope.region_paths)
    if scope.village_ids:
        query |= Q(pk__in=scope.village_ids) | Q(children__in=scope.village_ids)
    return regions.filter(query).distinct()


@dataclass(frozen=True)
class Dashboard:
    open_needs_by_urgency: list[tuple[str, str, int]]
    reviews_overdue: int
    reviews_soon: int
    households_by_tier: list[tuple[str, str, int]]
    households_total: int
    # When the counts come from the tallies (bangfu.registry.tallies): the time of their
    # refresh, which the page states. None: counted live.
    as_of: dt.datetime | None = None


def dashboard(user, *, today: dt.date | None = None) -> Dashboard:
    """Counts within the user's scope for the strip at the top of the household list: from the
    tallies while they are fresh, else live (``today`` given: live, as of that day)."""
    tallies = None if today else tallies_for(user, [OPEN_NEEDS, HOUSEHOLDS, REVIEWS])
    if tallies is not None:
        urgency, tiers = tallies.by_key(OPEN_NEEDS), tallies.by_key(HOUSEHOLDS)
        reviews = {"overdue": tallies.get(REVIEWS, "overdue"), "soon": tallies.get(REVIEWS, "soon")}
    else:
        urgency, tiers, reviews = _dashboard_live(user, today or timezone.localdate())
    # Most urgent first, as a clerk reads the strip.
    return Dashboard(
        open_needs_by_urgency=[
            (value, label, urgency.get(value, 0)) for value, label in reversed(Need.Urgency.choices)
        ],
        reviews_overdue=reviews["overdue"],
        reviews_soon=reviews["soon"],
        households_by_tier=[
            (value, label, tiers[value]) for value, label in Tier.choices if tiers.get(value)
        ],
        households_total=sum(tiers.values()),
        as_of=tallies.as_of if tallies is not None else None,
    )


def _dashboard_live(user, today: dt.date) -> tuple[dict, dict, dict]:
    households = Household.objects.for_user(user)
    current = households.exclude(status=Household.Status.EXITED)
    urgency = dict(
        Need.objects.for_user(user)
        .open()
        .order_by()
        .values_list("urgency")
        .annotate(n=Count("pk"))
        .values_list("urgency", "n")
    )
    tiers = dict(
        current.order_by().values_list("tier").annotate(n=Count("pk")).values_list("tier", "n")
    )
    reviews = current.aggregate(**review_counts(today))
    return urgency, tiers, reviews


# Labels of the components of a need's priority (bangfu.registry.priority).
PRIORITY_COMPONENT_LABELS = {
    "living_alone": _("living alone"),
    "orphan_or_unsupported_child": _("orphan or unsupported child"),
    "severe_disability": _("severe disability"),
    "other_disability": _("other disability"),
    "serious_illness": _("serious illness"),
    "chronic_illness": _("chronic illness"),
    "aged_80_plus": _("aged 80+"),
    "aged_60_plus": _("aged 60+"),
    "child_under_16": _("child under 16"),
    "five_elders": _('"five elders"'),
    "severity": _("severity"),
    "urgency": _("urgency"),
    "waiting": _("waiting time"),
}


def priority_explained(need: Need) -> list[tuple[str, Decimal]]:
    """The named points that add up to the need's priority, largest first.

    The tier component is labelled with the household's tier (e.g. 特困 40).
    """
    parts = []
    for name, points in need.priority_components.items():
        if name == "tier":
            label = need.household.get_tier_display()
        else:
            label = PRIORITY_COMPONENT_LABELS.get(name, name)
        amount = Decimal(points)
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal("1"))
        parts.append((str(label), amount))
    return sorted(parts, key=lambda part: -part[1])


def relation_choices() -> list[tuple[str, str]]:
    """Relations to the head, with "parent" translated as a relative (父母), not as the parent
    of a region or a category, which share the msgid."""
    return [
        (
            value,
            pgettext_lazy("relation to head", "parent")
            if value == Member.Relation.PARENT
            else label,
        )
        for value, label in Member.Relation.choices
    ]


def relation_label(relation: str) -> str:
    return str(dict(relation_choices()).get(relation, relation))
