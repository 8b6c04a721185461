"""The intake desk's reads: cases, the needs not yet at the desk, the providers to propose."""

import datetime as dt

from django.db.models import Case, Exists, F, OuterRef, QuerySet, When
from django.utils import timezone

from bangfu.providers import kinds
from bangfu.referrals import ranking
from bangfu.referrals.exclusions import need_exclusions
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.selectors.engine import declined_pairs
from bangfu.referrals.selectors.order import urgency_rank
from bangfu.registry.models import Need
from bangfu.registry.selectors import area_is_whole_counties, counties_of_area


def intake_by_reference(user, reference: str) -> IntakeCase | None:
    """The case ``user`` (another system's account) opened under ``reference``, if any."""
    if not reference.strip():
        return None
    return IntakeCase.objects.filter(opened_by=user, reference=reference.strip()).first()


def intake_cases_for(user) -> QuerySet[IntakeCase]:
    return IntakeCase.objects.for_user(user).select_related(
        "region__parent", "need__category", "need__household", "opened_by"
    )


def waiting_cases(user) -> QuerySet[IntakeCase]:
    """Cases waiting at the desk for a provider: the most urgent need first, then the highest
    priority, then the longest waiting. The keys are the case's own (``referrals.desk_order``):
    PostgreSQL reads the first rows from ``intake_waiting_order`` instead of sorting the area."""
    return (
        intake_cases_for(user)
        .waiting()
        .order_by("urgency_rank", F("need_priority").desc(nulls_last=True), "opened_at", "pk")
    )


def referred_cases(user) -> QuerySet[IntakeCase]:
    """Cases with a provider: the most urgent need first, then the one whose referral's
    deadline passed longest ago (or falls soonest), then the oldest. The keys are the case's
    own (``referrals.desk_order``), in the order of the index ``intake_referred_order``."""
    return (
        intake_cases_for(user)
        .filter(status=IntakeCase.Status.REFERRED)
        .order_by("urgency_rank", F("due_at").asc(nulls_last=True), "opened_at", "pk")
    )


# The order of the needs not yet at the desk.
DESK_NEED_ORDER = (urgency_rank(), "-priority", "opened_on", "pk")


def needs_awaiting_intake(user) -> QuerySet[Need]:
    """Open needs in the user's area with no intake case yet: the most urgent first, then the
    highest priority, then the longest open.

    A county's (or township's) list names its county: PostgreSQL can read the county's open
    needs in this order from ``need_county_desk_order``, checking each for an open case by the
    case's unique index, instead of hashing every open case of the province."""
    return (
        Need.objects.for_user(user)
        .open()
        .filter(counties_of_area(user))
        .filter(~Exists(_at_desk()))
        .select_related("household__region__parent", "category")
        .order_by(*DESK_NEED_ORDER)
    )


def _at_desk() -> QuerySet[IntakeCase]:
    """The live case of the outer query's need."""
    return IntakeCase.objects.filter(need=OuterRef("pk")).exclude(status=IntakeCase.Status.CLOSED)


# The columns the desk's lists show, read as plain rows: a page of model objects, each with
# its region, need, category and household, cost more to build than the page's SQL.
DESK_WAITING_COLUMNS = (
    "pk",
    "region__name",
    "region__parent__name",
    "household_id",
    "household__registry_number",
    "need_id",
    "need__category__name",
    "need__urgency",
    "source",
    "opened_at",
    "candidate_count",
)
DESK_REFERRED_COLUMNS = ("pk", "region__name", "need_id", "need__category__name")
DESK_NEED_COLUMNS = (
    "pk",
    "household_id",
    "household__registry_number",
    "household__region__name",
    "household__region__parent__name",
    "category__name",
    "urgency",
    "priority",
    "opened_on",
)


def desk_case_rows(cases: QuerySet[IntakeCase], limit: int, columns=DESK_WAITING_COLUMNS):
    """The first ``limit`` cases of an ordered desk list as dicts of ``columns``, in two queries:
    their keys, sorted with only the joins the order needs, then those rows (a province's desk
    would otherwise join each of its thousands of cases before sorting). Only a case with no
    household has its caller's name decrypted (``caller``), only one with no need its
    description, for the columns that show them."""
    keys = list(cases.values_list("pk", flat=True)[:limit])
    fields = {name: IntakeCase._meta.get_field(name) for name in ("caller_name", "description")}
    shown = {}
    if "household_id" in columns:
        shown["caller"] = Case(
            When(household__isnull=True, then=F("caller_name")),
            output_field=fields["caller_name"],
        )
    if "need__urgency" in columns:
        shown["summary"] = Case(
            When(need__isnull=True, then=F("description")), output_field=fields["description"]
        )
    found = {
        row["pk"]: row for row in cases.order_by().filter(pk__in=keys).values(*columns, **shown)
    }
    return [found[key] for key in keys if key in found]


def desk_need_rows(user, limit: int) -> list[dict]:
    """The first ``limit`` needs not yet at the desk (``needs_awaiting_intake``), as dicts.

    A county bureau's are the first of its county's, read without its area's paths: joined to
    the village's path, PostgreSQL takes the county and the path for two independent
    conditions, expects a hundredth of the county's needs, and sorts all of them (10,467 at a
    million households) rather than read the county's first from its index. The paths are
    then checked on those few, so a need whose county has not yet followed its household's
    move is left out, never shown outside its area."""
    needs = needs_awaiting_intake(user)
    if area_is_whole_counties(user):
        first = (
            Need.objects.open()
            .filter(counties_of_area(user))
            .filter(~Exists(_at_desk()))
            .order_by(*DESK_NEED_ORDER)
        )
        needs = needs.filter(pk__in=first.values("pk")[:limit])
    return list(needs.values(*DESK_NEED_COLUMNS)[:limit])


def refused_providers(need: Need) -> set[int]:
    """Providers that declined ``need`` or let it lapse: it is never sent to them again."""
    return {provider for _need, provider in declined_pairs([need.pk])}


def not_proposed(need: Need, *, today: dt.date | None = None) -> set[int]:
    """Providers not proposed for ``need`` on ``today``: those that refused it, and those that
    closed it as failed within the policy window (``bangfu.referrals.exclusions``); staff may
    still send it to the latter on purpose."""
    return {exclusion.provider_id for exclusion in need_exclusions(need, today=today)}


def intake_candidates(
    intake: IntakeCase, *, k: int = 10, today: dt.date | None = None, exclusions=None
) -> list:
    """The ranker's top providers for the case's need on ``today`` (by default, now), without
    those left out for it: ``exclusions`` when the caller has read them already
    (``need_exclusions``), else ``not_proposed``.

    Only kinds registered with ``bangfu.providers.kinds`` are referred to here (stations,
    volunteers, procured projects); charity offers are left out (they are allocated to needs
    from the offers' own pages).
    """
    if intake.need is None:
        return []
    today = today or timezone.localdate()
    if exclusions is None:
        exclude = not_proposed(intake.need, today=today)
    else:
        exclude = {exclusion.provider_id for exclusion in exclusions}
    ranked = ranking.rank_need(need=intake.need, k=k, exclude=exclude, today=today)
    routed = kinds.registered_kinds()
    return [candidate for candidate in ranked if candidate.kind in routed]
