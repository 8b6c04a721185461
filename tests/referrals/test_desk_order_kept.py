"""The desk's order kept on the case (``referrals.desk_order``): every write that changes a
case's need, its need's urgency or priority, or its live referral's deadline leaves on the case
what the need and the referrals say; the repair puts right a row changed behind the ORM's back;
and on PostgreSQL the desk reads its first rows from an index in the lists' order."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, models
from django.db.models import Case, F, OuterRef, Subquery, When
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.referrals import selectors, services
from bangfu.referrals.desk_order import REPAIR_CURSOR, desk_order_repair, order_expressions
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.models.intake import NO_URGENCY_RANK
from bangfu.referrals.selectors.order import URGENCY_ORDER, current_due, urgency_rank
from bangfu.registry import hooks
from bangfu.registry.models import Need
from bangfu.registry.services import need_update, needs_reprioritise
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    member_of,
    region_chain,
)

pytestmark = pytest.mark.django_db
SENT_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
Urgency = Need.Urgency


@pytest.fixture(autouse=True)
def _fresh_cursor():
    cache.delete(REPAIR_CURSOR)


def kept(case: IntakeCase) -> tuple:
    return IntakeCase.objects.values_list(*IntakeCase.ORDER_FIELDS).get(pk=case.pk)


def read_now(case: IntakeCase) -> tuple:
    """The keys as the need and the referrals stored now give them."""
    return (
        IntakeCase.objects.annotate(**{f"r_{k}": v for k, v in order_expressions().items()})
        .values_list(*(f"r_{name}" for name in IntakeCase.ORDER_FIELDS))
        .get(pk=case.pk)
    )


def rank_of(urgency: str) -> int:
    return URGENCY_ORDER.index(urgency)


def a_need(place, urgency: str = Urgency.ROUTINE, priority: str = "10") -> Need:
    household = HouseholdFactory(region=place["village"])
    MemberFactory(household=household)
    return NeedFactory(household=household, urgency=urgency, priority=priority)


def test_no_need_ranks_after_the_four_urgencies():
    assert len(URGENCY_ORDER) == NO_URGENCY_RANK


def test_a_case_opened_on_a_need_keeps_its_urgency_and_priority(intake, need):
    need.refresh_from_db()
    assert kept(intake) == (rank_of(need.urgency), need.priority, None)


def test_the_deadline_follows_the_referral_from_sent_to_service(intake, desk, station):
    with time_machine.travel(SENT_AT, tick=False):
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert kept(intake)[2] == referral.accept_due_at

    with time_machine.travel(SENT_AT + dt.timedelta(hours=2), tick=False):
        referral = services.referral_accept(referral=referral, by=station.staff)
    assert referral.service_due_at != referral.accept_due_at
    assert kept(intake)[2] == referral.service_due_at

    with time_machine.travel(SENT_AT + dt.timedelta(days=1), tick=False):
        services.service_session_log(
            referral=referral,
            by=station.staff,
            held_on=dt.date(2026, 11, 3),
            duration_minutes=60,
            category=referral.need.category,
        )
    assert kept(intake)[2] is None
    assert kept(intake) == read_now(intake)


@pytest.mark.parametrize("answer", ["declined", "revoked", "closed"])
def test_a_referral_that_ends_leaves_no_deadline_on_its_case(
    answer, intake, referral, desk, station
):
    assert kept(intake)[2] == referral.accept_due_at
    if answer == "declined":
        services.referral_decline(referral=referral, by=station.staff, reason="full")
    elif answer == "revoked":
        services.referral_revoke(referral=referral, by=desk, note="家属已自行安排")
    else:
        accepted = services.referral_accept(referral=referral, by=station.staff)
        services.referral_close(referral=accepted, by=station.staff, reason="household_refused")
    intake.refresh_from_db()
    assert intake.status == (
        IntakeCase.Status.CLOSED if answer == "closed" else IntakeCase.Status.OPEN
    )
    assert kept(intake)[2] is None
    assert kept(intake) == read_now(intake)


def test_a_case_saved_whole_from_an_object_loaded_before_keeps_the_desks_order(
    intake, desk, station
):
    stale = IntakeCase.objects.get(pk=intake.pk)
    referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    stale.status = IntakeCase.Status.REFERRED
    stale.save()
    assert kept(intake)[2] == referral.accept_due_at
    # the positive control: Django's own save would have written the object's old keys back
    models.Model.save(stale)
    assert kept(intake)[2] is None


def test_a_lapsed_referral_hands_its_case_the_next_referrals_deadline(
    intake, referral, other_station
):
    due = referral.accept_due_at
    services.referral_handle_overdue(referral_id=referral.pk, at=due + dt.timedelta(minutes=1))
    rerouted = due + dt.timedelta(days=3)
    assert services.referral_handle_overdue(referral_id=referral.pk, at=rerouted) == "rerouted"
    new = Referral.objects.get(intake=intake, status=Referral.Status.SENT)
    assert new.provider_id == other_station.provider_id
    assert kept(intake)[2] == new.accept_due_at == rerouted + (due - referral.sent_at)


def test_a_case_given_its_need_at_the_desk_takes_its_urgency(engine, desk, place):
    need = a_need(place, Urgency.URGENT, "40")
    case = services.intake_open(
        by=desk, source=IntakeCase.Source.HOTLINE, township=place["town"], description="助餐"
    )
    assert kept(case) == (NO_URGENCY_RANK, None, None)
    services.intake_link_household(intake=case, household=need.household, by=desk)
    services.intake_attach_need(intake=case, need=need, by=desk)
    need.refresh_from_db()
    assert kept(case) == (rank_of(Urgency.URGENT), need.priority, None)


def test_a_needs_new_urgency_reorders_the_waiting_list(engine, desk, place):
    routine = services.intake_open(
        by=desk, source=IntakeCase.Source.VISIT, need=a_need(place, Urgency.ROUTINE)
    )
    soon = services.intake_open(
        by=desk, source=IntakeCase.Source.VISIT, need=a_need(place, Urgency.SOON)
    )
    assert list(selectors.waiting_cases(desk)) == [soon, routine]

    need_update(need=routine.need, by=desk, urgency=Urgency.EMERGENCY)

    assert kept(routine)[0] == rank_of(Urgency.EMERGENCY)
    assert list(selectors.waiting_cases(desk)) == [routine, soon]


def test_the_bulk_reprioritising_reaches_the_cases_of_its_needs(intake, need):
    before = kept(intake)[1]
    # Waiting time raises priority: recomputed a year later, the need's priority is higher.
    needs_reprioritise(needs=Need.objects.filter(pk=need.pk), today=dt.date(2027, 11, 1))
    need.refresh_from_db()
    assert need.priority > before
    assert kept(intake)[1] == need.priority


def test_without_the_registrys_hook_the_bulk_path_would_leave_the_case_stale(
    intake, need, monkeypatch
):
    # the positive control of the one above: the hook is what carries the new priority
    monkeypatch.setattr(hooks, "on_needs_reprioritised", [])
    before = kept(intake)[1]
    needs_reprioritise(needs=Need.objects.filter(pk=need.pk), today=dt.date(2027, 11, 1))
    need.refresh_from_db()
    assert need.priority > before
    assert kept(intake)[1] == before != read_now(intake)[1]


def test_the_repair_puts_right_cases_changed_behind_the_orms_back(intake, referral, need):
    other = IntakeCase.objects.create(
        source=IntakeCase.Source.PUBLIC_FORM, region=intake.region, description="助浴"
    )
    assert desk_order_repair() == 0
    # given a need's urgency and a case's deadline changed by plain UPDATEs
    Need.objects.filter(pk=need.pk).update(urgency=Urgency.EMERGENCY)
    IntakeCase.objects.filter(pk=other.pk).update(due_at=SENT_AT, need_priority=7)
    assert kept(intake)[0] != rank_of(Urgency.EMERGENCY)  # stale: no write path ran

    # a run checks its batch only, from where the last one stopped
    assert desk_order_repair(batch_size=1) == 1
    priority = Need.objects.get(pk=need.pk).priority
    assert kept(intake) == (rank_of(Urgency.EMERGENCY), priority, referral.accept_due_at)
    assert kept(other)[2] == SENT_AT  # the next run's
    assert desk_order_repair(batch_size=1) == 1
    assert kept(other) == (NO_URGENCY_RANK, None, None)
    assert desk_order_repair() == 0


def _old_referred(user):
    """The referred list as it was ordered before the keys were kept: through the need and a
    subquery of the live referral (the positive control of the plan tests)."""
    live = Referral.objects.live().filter(intake=OuterRef("pk")).annotate(due=current_due())
    return (
        selectors.intake_cases_for(user)
        .filter(status=IntakeCase.Status.REFERRED)
        .annotate(due_order=Subquery(live.values("due")[:1]))
        .order_by(
            urgency_rank("need__urgency"), F("due_order").asc(nulls_last=True), "opened_at", "pk"
        )
    )


def _old_waiting(user):
    return (
        selectors.intake_cases_for(user)
        .waiting()
        .order_by(
            urgency_rank("need__urgency"),
            F("need__priority").desc(nulls_last=True),
            "opened_at",
            "pk",
        )
    )


def test_the_lists_keep_the_order_they_read_through_needs_and_referrals(
    engine, desk, station, other_station, place
):
    urgencies = [Urgency.ROUTINE, Urgency.EMERGENCY, Urgency.SOON, Urgency.URGENT]
    cases = []
    for n in range(12):
        with time_machine.travel(SENT_AT + dt.timedelta(hours=n), tick=False):
            need = a_need(place, urgencies[n % 4], priority=str(n * 7 % 30))
            cases.append(services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need))
    cases.append(
        services.intake_open(
            by=desk, source=IntakeCase.Source.HOTLINE, township=place["town"], description="助餐"
        )
    )
    for n, case in enumerate(cases[:8]):
        with time_machine.travel(SENT_AT + dt.timedelta(days=1, hours=-n), tick=False):
            provider = (station, other_station)[n % 2].provider_id
            referral = services.referral_send(intake=case, provider_id=provider, by=desk)
        if n in (0, 1):
            services.referral_accept(referral=referral, by=(station, other_station)[n % 2].staff)

    waiting, referred = list(selectors.waiting_cases(desk)), list(selectors.referred_cases(desk))
    assert (len(waiting), len(referred)) == (5, 8)
    assert waiting == list(_old_waiting(desk))
    assert referred == list(_old_referred(desk))


# --- PostgreSQL reads the desk's first rows from the index -----------------------------------

CASES_PER_LIST = 3000


@pytest.fixture
def province_desk(db):
    """A province bureau's desk over two counties with 3,000 referred and 3,000 waiting cases
    (callers not yet in the registry, their keys set as the writes would), with statistics."""
    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    chains = [region_chain(code, "101", "201") for code in ("530428", "530427")]
    province = chains[0][0]
    villages = [chain[-1] for chain in chains] + [
        RegionFactory(code=f"{chains[0][3].code}{n:03d}", level=chains[0][4].level, parent=town)
        for n, town in enumerate([chains[0][3]] * 8, start=202)
    ]
    cases = [
        IntakeCase(
            source=IntakeCase.Source.PUBLIC_FORM,
            region=villages[n % len(villages)],
            description="来电",
            status=status,
            opened_at=SENT_AT - dt.timedelta(minutes=n),
            urgency_rank=n % 5,
            need_priority=None if n % 7 == 0 else n % 97,
            due_at=SENT_AT + dt.timedelta(hours=n % 50) if status == "referred" else None,
        )
        for status in ("open", "referred")
        for n in range(CASES_PER_LIST)
    ]
    IntakeCase.objects.bulk_create(cases, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_intakecase")
        cursor.execute("ANALYZE regions_region")
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="省厅", region=province)
    user = UserFactory(username="province")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


def _plan(queryset) -> str:
    return queryset.values_list("pk", flat=True)[:100].explain()


def _desk_key_queries(client, user) -> dict[str, str]:
    """The SQL of the queries that read the first 100 keys of each list on the desk's page."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("referrals:intake-list"))
    assert response.status_code == 200
    found = {}
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.endswith("LIMIT 100"):
            status = re.search(r"\"status\" = '(\w+)'", sql).group(1)
            found[status] = sql
    assert set(found) == {"open", "referred"}, found
    return found


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_the_provinces_desk_reads_both_lists_from_their_indexes(client, province_desk):
    found = _desk_key_queries(client, province_desk)
    for status, index in (("referred", "intake_referred_order"), ("open", "intake_waiting_order")):
        plan = _explain(found[status])
        assert f"Index Scan using {index} on referrals_intakecase" in plan, plan
        assert not re.search(r"\bSort\b", plan), plan


@pytest.mark.postgres
def test_the_old_order_through_the_need_sorted_the_whole_area(province_desk):
    # the positive control of the one above: the same rows, ordered as before, are sorted
    plan = _plan(_old_referred(province_desk))
    assert re.search(r"\bSort\b", plan), plan
    assert "intake_referred_order" not in plan


@pytest.mark.postgres
def test_the_lists_order_is_the_kept_keys_order(province_desk):
    referred = list(
        selectors.referred_cases(province_desk).values_list(
            "urgency_rank", "due_at", "opened_at", "pk"
        )[:100]
    )
    assert referred == sorted(referred)
    waiting = list(
        selectors.waiting_cases(province_desk)
        .annotate(
            nulls_last=Case(When(need_priority__isnull=True, then=1), default=0),
        )
        .values_list("urgency_rank", "nulls_last", "need_priority", "opened_at", "pk")[:100]
    )
    assert waiting == sorted(waiting, key=lambda r: (r[0], r[1], -(r[2] or 0), r[3], r[4]))
