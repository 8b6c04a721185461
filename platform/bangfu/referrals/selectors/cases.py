"""Referrals as their pages read them, scoped to the user: the desk's and the providers',
their events, sessions and service sheets, and the notifications."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bangfu.accounts.scoping import scope_for
from bangfu.providers import kinds
from bangfu.providers.kinds import acted_for
from bangfu.providers.models import Provider
from bangfu.referrals.models import Notification, Referral, ReferralEvent, ServiceSession
from bangfu.registry.models import Member

# What the desk's and the providers' lists show of a referral.
REFERRAL_ROWS = ("need__category", "need__household__region__parent", "provider", "intake")


def referrals_for(user) -> QuerySet[Referral]:
    return Referral.objects.for_user(user).select_related(*REFERRAL_ROWS)


def provider_referrals(user) -> QuerySet[Referral]:
    """Referrals the user answers for as a provider: their station's, or their own tasks.

    Their providers (one or two) are also named by key, so PostgreSQL finds the referrals by
    the provider's index: with the scope's subquery alone it joined a province's referrals to
    their needs and households first (90–120 ms at 100,000 households; now 2–5 ms)."""
    scope = scope_for(user)
    if not scope.is_provider:
        return Referral.objects.none()
    mine = _providers_acted_for(user, scope)
    # The provider's reach alone, not ``for_user``'s area-or-reach as well: the rows are the
    # same (the reach is within it) and PostgreSQL plans one subquery, not the same one twice.
    return Referral.objects.filter(scope.referral_q(""), provider_id__in=mine).select_related(
        *REFERRAL_ROWS
    )


def _providers_acted_for(user, scope) -> list[int]:
    """The keys of the providers the user acts for, read once while the user object lives
    with the same scope (``scope_for`` keeps the scope on it): a page that reads referrals
    for several parts (the start page's to-dos) asks once."""
    cached = getattr(user, "_bangfu_provider_pks", None)
    if cached is not None and cached[0] is scope:
        return cached[1]
    mine = list(Provider.objects.filter(acted_for(scope)).values_list("pk", flat=True))
    user._bangfu_provider_pks = (scope, mine)
    return mine


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


# What the portal's rows and tasks show of a referral (jinja2/…/portal/_row.jinja, _task.jinja,
# _actions.jinja, _due.jinja, _km.jinja), and the columns the inbox orders by: fewer joins to
# plan, and fewer columns to load and convert (no household's encrypted phone) for each row.
PORTAL_ROW_JOINS = ("need__category", "need__household__region__parent", "provider")
PORTAL_ROW_FIELDS = (
    "status",
    "distance_km",
    "sent_at",
    "accept_due_at",
    "service_due_at",
    "need__urgency",
    "need__preferred_times",
    "need__category__name",
    "need__household__address",
    "need__household__region__name",
    "need__household__region__parent__name",
    "provider__kind",
    "provider__name",
)


def portal_rows(user) -> QuerySet[Referral]:
    """The portal inbox's rows (``portal_referrals``) with only what the rows show loaded."""
    return (
        portal_referrals(user)
        .select_related(None)
        .select_related(*PORTAL_ROW_JOINS)
        .only(*PORTAL_ROW_FIELDS)
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
