"""Reads of intake cases and referrals: scoped to the user, with the joins their pages need.

The first functions are what the matching engine reads from this app: how many open referrals
each provider carries, which providers already refused a need, who is serving a household now,
and how each provider's finished referrals ended. Providers are named by their ``Provider`` pk.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bangfu.accounts.models import Membership, User
from bangfu.accounts.scoping import scope_for
from bangfu.providers import kinds
from bangfu.providers.kinds import acted_for, answered_by
from bangfu.providers.models import Provider
from bangfu.referrals import ranking
from bangfu.referrals.exclusions import need_exclusions
from bangfu.referrals.models import (
    IntakeCase,
    Notification,
    Referral,
    ReferralEvent,
    ServiceSession,
)
from bangfu.regions.models import Region
from bangfu.registry.models import Member, Need

DESK_ROLES = (Membership.Role.BUREAU_STAFF, Membership.Role.BUREAU_MANAGER)


# --- what the matching engine reads ------------------------------------------------------------


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


# --- providers and the people behind them ----------------------------------------------------


def holding_count(provider_id: int) -> int:
    return Referral.objects.for_provider(provider_id).holding().count()


def provider_users(provider_id: int) -> list[User]:
    """Who answers for a provider: the station's active staff, the volunteer, or the staff of
    the agency that runs the project (the people whose scope reads its referrals)."""
    return list(
        User.objects.filter(answered_by(provider_id), is_active=True).distinct().order_by("pk")
    )


def providers_of(user, *, today: dt.date | None = None) -> list[Provider]:
    """The providers the user answers for (their stations, their agencies' projects, themselves
    as a volunteer) that take cases on ``today`` or still have open ones."""
    today = today or timezone.localdate()
    providers = Provider.objects.filter(acted_for(scope_for(user))).annotate(
        has_open=Exists(Referral.objects.live().filter(provider=OuterRef("pk")))
    )
    return [
        provider
        for provider in providers.order_by("kind", "name", "pk")
        if provider.has_open or kind_accepts(provider, today)
    ]


def kind_accepts(provider: Provider, day: dt.date) -> bool:
    """Whether the provider's kind lets it take a new case on ``day`` (a project under way
    within its contract); its own active and paused flags aside."""
    kind = kinds.kind_of(provider)
    return kind.is_accepting(kind.profile(provider), day)


def township_staff(region: Region) -> list[User]:
    """Bureau staff who answer for a township: the township's own, else the nearest above."""
    return _nearest_bureau_staff(region, Region.Level.TOWNSHIP)


def county_staff(region: Region) -> list[User]:
    """Bureau staff of the county (or district) the region lies in, else the nearest above:
    a missed emergency reaches them as well as the township."""
    return _nearest_bureau_staff(region, Region.Level.COUNTY)


def _nearest_bureau_staff(region: Region, level: int) -> list[User]:
    for ancestor in region.ancestors():
        if ancestor.level > level:
            continue
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__role__in=DESK_ROLES,
                memberships__organisation__is_active=True,
                memberships__organisation__region=ancestor,
            )
            .distinct()
            .order_by("pk")
        )
        if users:
            return users
    return []


# --- the order of every list: the most urgent first ----------------------------------------------

# An emergency (特急, today) leads, then an urgent need (紧急, 48 hours), then the rest; a case
# with no need recorded yet comes after them.
URGENCY_ORDER = (
    Need.Urgency.EMERGENCY,
    Need.Urgency.URGENT,
    Need.Urgency.SOON,
    Need.Urgency.ROUTINE,
)


def urgency_rank(lookup: str = "urgency", *, after: int = 0) -> Case:
    """0 for an emergency, 1 for an urgent need and so on, plus ``after``: an expression to
    order by, the need's urgency read through ``lookup``. The desk's index of open needs
    (migration ``referrals.0012_desk_indexes``) repeats it: change both together."""
    return Case(
        *(
            When(**{lookup: urgency}, then=after + rank)
            for rank, urgency in enumerate(URGENCY_ORDER)
        ),
        default=after + len(URGENCY_ORDER),
        output_field=IntegerField(),
    )


def current_due() -> Case:
    """The deadline a live referral is waiting on: its answer while sent, its first service
    while accepted; none once it is in service or over."""
    return Case(
        When(status=Referral.Status.SENT, then=F("accept_due_at")),
        When(status=Referral.Status.ACCEPTED, then=F("service_due_at")),
        default=None,
    )


def urgent_first(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Live referrals first, the most urgent need first, then the deadline passed longest ago
    (or nearest); the finished ones after them, the newest first."""
    return referrals.annotate(
        urgency_order=Case(
            When(status__in=Referral.LIVE, then=urgency_rank("need__urgency")),
            default=urgency_rank("need__urgency", after=len(URGENCY_ORDER) + 1),
        ),
        due_order=current_due(),
    ).order_by("urgency_order", F("due_order").asc(nulls_last=True), "-sent_at", "-pk")


def first_rows(queryset: QuerySet, limit: int) -> list:
    """The first ``limit`` rows of an ordered list in two queries: their keys, sorted with only
    the joins the order needs, then those rows with every join the page shows. A province's
    desk would otherwise join each of its thousands of cases to its household before sorting."""
    keys = list(queryset.values_list("pk", flat=True)[:limit])
    found = queryset.order_by().in_bulk(keys)
    return [found[key] for key in keys if key in found]


# --- intake ------------------------------------------------------------------------------------


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
    priority, then the longest waiting."""
    return (
        intake_cases_for(user)
        .waiting()
        .order_by(
            urgency_rank("need__urgency"),
            F("need__priority").desc(nulls_last=True),
            "opened_at",
            "pk",
        )
    )


def referred_cases(user) -> QuerySet[IntakeCase]:
    """Cases with a provider: the most urgent need first, then the one whose referral's
    deadline passed longest ago (or falls soonest), then the oldest."""
    live = Referral.objects.live().filter(intake=OuterRef("pk")).annotate(due=current_due())
    return (
        intake_cases_for(user)
        .filter(status=IntakeCase.Status.REFERRED)
        .annotate(due_order=Subquery(live.values("due")[:1]))
        .order_by(
            urgency_rank("need__urgency"),
            F("due_order").asc(nulls_last=True),
            "opened_at",
            "pk",
        )
    )


def needs_awaiting_intake(user) -> QuerySet[Need]:
    """Open needs in the user's area with no intake case yet: the most urgent first, then the
    highest priority, then the longest open."""
    open_cases = IntakeCase.objects.exclude(status=IntakeCase.Status.CLOSED)
    return (
        Need.objects.for_user(user)
        .open()
        .exclude(pk__in=open_cases.filter(need__isnull=False).values("need"))
        .select_related("household__region__parent", "category")
        .order_by(urgency_rank(), "-priority", "opened_on", "pk")
    )


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


# --- referrals ---------------------------------------------------------------------------------


def referrals_for(user) -> QuerySet[Referral]:
    return Referral.objects.for_user(user).select_related(
        "need__category",
        "need__household__region__parent",
        "provider",
        "intake",
    )


def provider_referrals(user) -> QuerySet[Referral]:
    """Referrals the user answers for as a provider: their station's, or their own tasks.

    Their providers (one or two) are also named by key, so PostgreSQL finds the referrals by
    the provider's index: with the scope's subquery alone it joined a province's referrals to
    their needs and households first (90–120 ms at 100,000 households; now 2–5 ms)."""
    scope = scope_for(user)
    if not scope.is_provider:
        return Referral.objects.none()
    mine = list(Provider.objects.filter(acted_for(scope)).values_list("pk", flat=True))
    return referrals_for(user).filter(scope.referral_q(""), provider_id__in=mine)


def portal_referrals(user) -> QuerySet[Referral]:
    """The portal inbox's rows with their number of sessions: a subquery, which PostgreSQL runs
    for the page's rows only (a grouped join counted the whole list's before the page)."""
    sessions = ServiceSession.objects.filter(referral=OuterRef("pk")).order_by().values("referral")
    return provider_referrals(user).annotate(
        session_count=Coalesce(
            Subquery(sessions.annotate(total=Count("pk")).values("total")),
            0,
            output_field=IntegerField(),
        )
    )


def referral_events(referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("by")


@dataclass(frozen=True)
class SessionLog:
    """A referral's sessions, each with what it counted in the provider kind's own records
    (a project's delivery against its line), when the kind counts service at all."""

    sessions: list[tuple[ServiceSession, str]]
    counts_service: bool


def session_log(referral: Referral) -> SessionLog:
    sessions = list(referral.sessions.select_related("category", "provided_by"))
    kind = kinds.kind_of(referral.provider)
    counted = kind.describe_records(
        [session.delivery_record for session in sessions if session.delivery_record]
    )
    return SessionLog(
        sessions=[(session, counted.get(session.delivery_record, "")) for session in sessions],
        counts_service=kind.record_service is not None,
    )


@dataclass(frozen=True)
class PersonSheet:
    relation: str
    sex: str
    age: int
    disability: str
    care_level: str
    illness: str


@dataclass(frozen=True)
class ServiceSheet:
    """What a provider needs to serve a household, and no more: no income, no ID number.

    The contact's name, the address and the phone are shown once the referral is accepted;
    before that, the village and the make-up of the household are enough to decide.
    """

    village: str
    township: str
    category: str
    urgency: str
    severity: int
    preferred_times: str
    notes: str
    people: list[PersonSheet]
    contact_name: str | None
    address: str | None
    phone: str | None


def service_sheet(referral: Referral, *, today: dt.date | None = None) -> ServiceSheet:
    today = today or timezone.localdate()
    need = referral.need
    household = need.household
    members = list(Member.objects.filter(household=household).order_by("relation", "birth_date"))
    people = [
        PersonSheet(
            relation=member.get_relation_display(),
            sex=member.get_sex_display(),
            age=member.age_on(today),
            disability=(
                ""
                if member.disability == Member.Disability.NONE
                else f"{member.get_disability_display()} ({member.disability_grade})"
            ),
            care_level=member.get_care_level_display(),
            illness="" if member.illness == Member.Illness.NONE else member.get_illness_display(),
        )
        for member in members
    ]
    disclosed = referral.status != Referral.Status.SENT
    head = next((m for m in members if m.relation == Member.Relation.HEAD), None) or (
        members[0] if members else None
    )
    return ServiceSheet(
        village=household.region.name,
        township=household.region.parent.name if household.region.parent else "",
        category=need.category.name,
        urgency=need.get_urgency_display(),
        severity=need.severity,
        preferred_times=need.preferred_times,
        notes=need.notes,
        people=people,
        contact_name=head.name if disclosed and head else None,
        address=household.address if disclosed else None,
        phone=household.phone if disclosed else None,
    )


def provider_names(provider_ids: Iterable[int]) -> dict[int, str]:
    """Display names of providers, in one query."""
    return dict(Provider.objects.filter(pk__in=list(provider_ids)).values_list("pk", "name"))


def satisfaction_by_provider(
    provider_ids: Iterable[int] | None = None,
) -> dict[int, tuple[int, int]]:
    """(sum of satisfaction scores, number of rated outcomes) per provider, in one query."""
    referrals = Referral.objects.filter(feedback__isnull=False)
    if provider_ids is not None:
        referrals = referrals.filter(provider_id__in=list(provider_ids))
    rows = (
        referrals.order_by()
        .values_list("provider_id")
        .annotate(total=Sum("feedback__satisfaction"), n=Count("pk"))
    )
    return {provider: (total, n) for provider, total, n in rows}


# --- notifications -----------------------------------------------------------------------------


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
