"""Reads of intake cases and referrals: scoped to the user, with the joins their pages need.

The first three functions are what the matching engine reads from this app: how many open
referrals each provider carries, which providers already refused a need, and who is serving a
household now.
"""

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from bangfu.accounts.models import Membership, User
from bangfu.accounts.scoping import scope_for
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.providers.models import Station, Volunteer
from bangfu.referrals.models import (
    IntakeCase,
    Notification,
    ProviderKey,
    Referral,
    ReferralEvent,
    provider_key_of,
)
from bangfu.regions.models import Region
from bangfu.registry.models import Member, Need

PROVIDER_MODELS = {"station": Station, "volunteer": Volunteer, "project": Project}
PROVIDER_COLUMNS = ("station_id", "volunteer_id", "project_id")
DESK_ROLES = (Membership.Role.BUREAU_STAFF, Membership.Role.BUREAU_MANAGER)


# --- what the matching engine reads ------------------------------------------------------------


def open_case_counts() -> dict[ProviderKey, int]:
    """Open referrals (sent, accepted or in service) per provider, in one query.

    Sent referrals count too: a provider with answers pending should not be flooded with more.
    """
    rows = Referral.objects.live().order_by().values_list(*PROVIDER_COLUMNS).annotate(n=Count("pk"))
    return {provider_key_of(*keys): n for *keys, n in rows}


def declined_pairs(need_ids: Iterable[int]) -> set[tuple[int, ProviderKey]]:
    """(need, provider) pairs where the provider declined the need or let it expire."""
    rows = Referral.objects.filter(
        need_id__in=list(need_ids), status__in=Referral.REFUSED
    ).values_list("need_id", *PROVIDER_COLUMNS)
    return {(need, provider_key_of(*keys)) for need, *keys in rows}


def current_providers(household_ids: Iterable[int]) -> dict[int, set[ProviderKey]]:
    """For each household, the providers serving it now (accepted or in service)."""
    rows = (
        Referral.objects.holding()
        .filter(need__household_id__in=list(household_ids))
        .values_list("need__household_id", *PROVIDER_COLUMNS)
    )
    found: dict[int, set[ProviderKey]] = defaultdict(set)
    for household, *keys in rows:
        found[household].add(provider_key_of(*keys))
    return dict(found)


def provider_outcomes() -> dict[ProviderKey, tuple[int, int]]:
    """(finished referrals, completed ones) per provider, in one query.

    Finished means the provider's part is over: declined, expired, completed or closed without
    service. Revoked referrals are left out: staff withdrew them, the provider did not fail.
    """
    finished = (*Referral.REFUSED, Referral.Status.COMPLETED, Referral.Status.CLOSED)
    rows = (
        Referral.objects.filter(status__in=finished)
        .order_by()
        .values_list(*PROVIDER_COLUMNS)
        .annotate(n=Count("pk"), completed=Count("pk", filter=Q(status=Referral.Status.COMPLETED)))
    )
    return {provider_key_of(s, v, p): (n, done) for s, v, p, n, done in rows}


def project_households(project_ids: Iterable[int], *, pending: bool = False) -> dict[int, set[int]]:
    """The households counted against each project's quota, in two queries.

    A household counts once it received a delivery of the project, or once the agency accepted
    a referral of it (accepted, in service or completed); with ``pending``, also while a referral
    to the project waits for the agency's answer, so the engine does not send more than fit.
    """
    project_ids = list(project_ids)
    statuses = [*Referral.HOLDING, Referral.Status.COMPLETED]
    if pending:
        statuses.append(Referral.Status.SENT)
    found: dict[int, set[int]] = {pk: set() for pk in project_ids}
    referred = Referral.objects.filter(project_id__in=project_ids, status__in=statuses)
    delivered = DeliveryRecord.objects.filter(project_id__in=project_ids, household__isnull=False)
    for project, household in [
        *referred.values_list("project_id", "need__household_id"),
        *delivered.values_list("project_id", "household_id"),
    ]:
        found[project].add(household)
    return found


# --- providers and the people behind them ----------------------------------------------------


PROVIDER_RELATED = {"station": "organisation__region", "volunteer": "user", "project": "agency"}


def provider_for(key: ProviderKey) -> Station | Volunteer | Project:
    kind, pk = key
    return PROVIDER_MODELS[kind].objects.select_related(PROVIDER_RELATED[kind]).get(pk=pk)


def holding_count(key: ProviderKey) -> int:
    return Referral.objects.for_provider(key).holding().count()


def provider_users(key: ProviderKey) -> list[User]:
    """Who answers for a provider: the station's active staff, the volunteer, or the staff of
    the agency that runs the project."""
    kind, pk = key
    if kind == "volunteer":
        return [Volunteer.objects.select_related("user").get(pk=pk).user]
    if kind == "station":
        staff = Q(
            memberships__role=Membership.Role.STATION_STAFF,
            memberships__organisation__station__pk=pk,
        )
    else:
        staff = Q(
            memberships__role=Membership.Role.AGENCY_STAFF,
            memberships__organisation__procurement_projects__pk=pk,
        )
    return list(
        User.objects.filter(staff, is_active=True, memberships__is_active=True)
        .distinct()
        .order_by("pk")
    )


def stations_of(user) -> QuerySet[Station]:
    """The stations the user works at as station staff."""
    scope = scope_for(user)
    return Station.objects.filter(organisation__in=scope.station_organisation_ids).select_related(
        "organisation__region"
    )


def projects_of(user) -> QuerySet[Project]:
    """The projects under way that the user's agencies run, as agency staff."""
    scope = scope_for(user)
    return (
        Project.objects.filter(
            agency__in=scope.agency_organisation_ids, status=Project.Status.IN_PROGRESS
        )
        .select_related("agency")
        .order_by("starts_on", "pk")
    )


def volunteer_of(user) -> Volunteer | None:
    scope = scope_for(user)
    if scope.volunteer_user_id is None:
        return None
    return Volunteer.objects.filter(user=user).first()


def township_staff(region: Region) -> list[User]:
    """Bureau staff who answer for a township: the township's own, else the nearest above."""
    for ancestor in region.ancestors():
        if ancestor.level > Region.Level.TOWNSHIP:
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


# --- intake ------------------------------------------------------------------------------------


def intake_cases_for(user) -> QuerySet[IntakeCase]:
    return IntakeCase.objects.for_user(user).select_related(
        "region__parent", "need__category", "need__household", "opened_by"
    )


def needs_awaiting_intake(user) -> QuerySet[Need]:
    """Open needs in the user's area with no intake case yet, most urgent first."""
    open_cases = IntakeCase.objects.exclude(status=IntakeCase.Status.CLOSED)
    return (
        Need.objects.for_user(user)
        .open()
        .exclude(pk__in=open_cases.filter(need__isnull=False).values("need"))
        .select_related("household__region__parent", "category")
        .order_by("-priority", "opened_on")
    )


def refused_providers(need: Need) -> set[ProviderKey]:
    return {provider for _need, provider in declined_pairs([need.pk])}


def rank_need(*, need: Need, k: int, exclude: set[ProviderKey], today: dt.date) -> list:
    """The matching engine's ranking of providers for one need (``RankedProvider`` rows)."""
    from bangfu.matching_runs.services import rank_need as engine_rank_need

    return engine_rank_need(need=need, k=k, exclude=exclude, today=today)


def intake_candidates(intake: IntakeCase, *, k: int = 10, today: dt.date | None = None) -> list:
    """The engine's top providers for the case's need on ``today`` (by default, now), without
    those that refused it.

    Stations, volunteers and procured projects are referred to here; charity offers are left
    out (they are allocated to needs from the offers' own pages).
    """
    if intake.need is None:
        return []
    ranked = rank_need(
        need=intake.need,
        k=k,
        exclude=refused_providers(intake.need),
        today=today or timezone.localdate(),
    )
    return [candidate for candidate in ranked if candidate.kind in PROVIDER_MODELS]


# --- referrals ---------------------------------------------------------------------------------


def referrals_for(user) -> QuerySet[Referral]:
    return Referral.objects.for_user(user).select_related(
        "need__category",
        "need__household__region__parent",
        "station__organisation",
        "volunteer__user",
        "project__agency",
        "intake",
    )


def provider_referrals(user) -> QuerySet[Referral]:
    """Referrals the user answers for as a provider: their station's, or their own tasks."""
    scope = scope_for(user)
    if not scope.is_provider:
        return Referral.objects.none()
    return referrals_for(user).filter(scope.referral_q(""))


def referral_events(referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("by")


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


# --- dashboards --------------------------------------------------------------------------------


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


@dataclass(frozen=True)
class ProviderDashboard:
    capacity: int
    open_cases: int
    awaiting_answer: int
    overdue: int
    average_days_to_accept: float | None
    # A procured project: ``open_cases`` counts the households of its quota used so far.
    quota: bool = False

    @property
    def headroom(self) -> int:
        return max(self.capacity - self.open_cases, 0)


def provider_dashboard(key: ProviderKey, *, now: dt.datetime | None = None) -> ProviderDashboard:
    now = now or timezone.now()
    provider = provider_for(key)
    referrals = Referral.objects.for_provider(key)
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
    kind, pk = key
    quota = kind == "project"
    return ProviderDashboard(
        capacity=provider.capacity,
        open_cases=len(project_households([pk])[pk]) if quota else counts["holding"],
        quota=quota,
        awaiting_answer=counts["sent"],
        overdue=referrals.overdue(now).count(),
        average_days_to_accept=round(statistics.fmean(waits), 1) if waits else None,
    )


@dataclass(frozen=True)
class ProviderRate:
    key: ProviderKey
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
        .values_list(*PROVIDER_COLUMNS)
        .annotate(
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            answered=Count("pk"),
        )
    )
    rates = [(provider_key_of(s, v, p), accepted, total) for s, v, p, accepted, total in answered]
    names = provider_names(key for key, _a, _t in rates)
    acceptance = sorted(
        (ProviderRate(key, names.get(key, "?"), accepted, total) for key, accepted, total in rates),
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


def provider_names(keys: Iterable[ProviderKey]) -> dict[ProviderKey, str]:
    """Display names of providers, one query per kind at most."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for kind, pk in keys:
        by_kind[kind].add(pk)
    names: dict[ProviderKey, str] = {}
    if by_kind["station"]:
        for pk, name in Station.objects.filter(pk__in=by_kind["station"]).values_list(
            "pk", "organisation__name"
        ):
            names[("station", pk)] = name
    if by_kind["volunteer"]:
        for volunteer in Volunteer.objects.filter(pk__in=by_kind["volunteer"]).select_related(
            "user"
        ):
            names[("volunteer", volunteer.pk)] = str(volunteer)
    if by_kind["project"]:
        for pk, name, agency in Project.objects.filter(pk__in=by_kind["project"]).values_list(
            "pk", "name", "agency__name"
        ):
            names[("project", pk)] = f"{name} · {agency}"
    return names


def satisfaction_by_provider(
    keys: Iterable[ProviderKey] | None = None,
) -> dict[ProviderKey, tuple[int, int]]:
    """(sum of satisfaction scores, number of rated outcomes) per provider, in one query."""
    referrals = Referral.objects.filter(feedback__isnull=False)
    if keys is not None:
        query = Q(pk__in=[])
        for kind, pk in keys:
            query |= Q(**{f"{kind}_id": pk})
        referrals = referrals.filter(query)
    rows = (
        referrals.order_by()
        .values_list(*PROVIDER_COLUMNS)
        .annotate(total=Sum("feedback__satisfaction"), n=Count("pk"))
    )
    return {provider_key_of(s, v, p): (total, n) for s, v, p, total, n in rows}


# --- notifications -----------------------------------------------------------------------------


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
