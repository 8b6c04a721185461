"""Urgency sets the deadlines: an emergency (特急) is answered within hours and, missed, reaches
the township and the county's bureau at once; urgent cases lead every list."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bangfu.referrals import selectors, services
from bangfu.referrals.models import IntakeCase, Notification, Referral
from bangfu.referrals.tasks import check_referral_deadlines_task
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory

pytestmark = pytest.mark.django_db
SENT_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
Urgency = Need.Urgency


def run_beat(at: dt.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return check_referral_deadlines_task.delay().get()


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def send(need, desk, station, at: dt.datetime = SENT_AT) -> Referral:
    with time_machine.travel(at, tick=False):
        intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
        return services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)


def accept(referral, station, at: dt.datetime) -> Referral:
    with time_machine.travel(at, tick=False):
        return services.referral_accept(referral=referral, by=station.staff)


def a_need(place, urgency: str, *, priority: str = "10", severity: int = 3) -> Need:
    household = HouseholdFactory(region=place["village"])
    MemberFactory(household=household)
    return NeedFactory(household=household, urgency=urgency, priority=priority, severity=severity)


@pytest.mark.parametrize(
    ("urgency", "answer_within", "serve_within"),
    [
        (Urgency.EMERGENCY, dt.timedelta(hours=4), dt.timedelta(hours=24)),
        (Urgency.URGENT, dt.timedelta(days=1), dt.timedelta(days=2)),
        (Urgency.SOON, dt.timedelta(days=2), dt.timedelta(days=7)),
        (Urgency.ROUTINE, dt.timedelta(days=2), dt.timedelta(days=7)),
    ],
)
def test_the_deadlines_follow_the_needs_urgency(
    engine, desk, station, need, urgency, answer_within, serve_within
):
    Need.objects.filter(pk=need.pk).update(urgency=urgency)
    referral = send(Need.objects.get(pk=need.pk), desk, station)
    assert referral.accept_due_at == SENT_AT + answer_within
    accepted = accept(referral, station, SENT_AT + dt.timedelta(hours=1))
    assert accepted.service_due_at == SENT_AT + dt.timedelta(hours=1) + serve_within


def test_an_emergencys_hours_are_the_regions_policy_values(engine, desk, station, place):
    for key, hours in (
        ("referral_accept_hours_emergency", 6),
        ("referral_first_service_hours_emergency", 12),
    ):
        PolicyValue.objects.create(key=key, region=place["county"], year=2026, value=hours)
    referral = send(a_need(place, Urgency.EMERGENCY), desk, station)
    assert referral.accept_due_at == SENT_AT + dt.timedelta(hours=6)
    accepted = accept(referral, station, SENT_AT + dt.timedelta(hours=2))
    assert accepted.service_due_at == SENT_AT + dt.timedelta(hours=14)


def test_a_missed_emergency_reaches_the_township_and_the_county_then_moves_on_within_hours(
    engine, desk, county_staff, station, other_station, place
):
    referral = send(a_need(place, Urgency.EMERGENCY), desk, station)
    assert run_beat(SENT_AT + dt.timedelta(hours=4) - dt.timedelta(minutes=1)) == 0

    overdue = SENT_AT + dt.timedelta(hours=4, minutes=15)
    run_beat(overdue)
    referral.refresh_from_db()
    assert referral.escalated_at == overdue and referral.status == Referral.Status.SENT
    assert kinds(desk) == ["escalated"]
    assert kinds(county_staff) == ["escalated"]
    assert "overdue" in kinds(station.staff)

    # Two hours after the escalation (not a day) the next candidate has it.
    run_beat(overdue + dt.timedelta(hours=2) - dt.timedelta(minutes=1))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
    run_beat(overdue + dt.timedelta(hours=2))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.EXPIRED
    new = Referral.objects.get(status=Referral.Status.SENT)
    assert new.provider == other_station.provider
    assert new.accept_due_at == overdue + dt.timedelta(hours=6)


def test_a_missed_routine_referral_stays_with_the_township(
    engine, desk, county_staff, station, place
):
    # the positive control of the one above: the county hears only of emergencies
    referral = send(a_need(place, Urgency.URGENT), desk, station)
    run_beat(SENT_AT + dt.timedelta(days=1, minutes=15))
    assert Referral.objects.get(pk=referral.pk).escalated_at is not None
    assert kinds(desk) == ["escalated"]
    assert kinds(county_staff) == []


def test_urgent_needs_lead_the_desks_lists(engine, desk, station, place, client):
    # given a routine need of high priority, opened first, and an emergency of low priority
    routine = a_need(place, Urgency.ROUTINE, priority="90")
    emergency = a_need(place, Urgency.EMERGENCY, priority="5")
    urgent = a_need(place, Urgency.URGENT, priority="5")
    awaiting = list(selectors.needs_awaiting_intake(desk))
    assert awaiting.index(emergency) < awaiting.index(urgent) < awaiting.index(routine)

    cases = {}
    with time_machine.travel(SENT_AT, tick=False):
        for need in (routine, urgent, emergency):
            cases[need.urgency] = services.intake_open(
                by=desk, source=IntakeCase.Source.VISIT, need=need
            )
    assert list(selectors.waiting_cases(desk)) == [
        cases[Urgency.EMERGENCY],
        cases[Urgency.URGENT],
        cases[Urgency.ROUTINE],
    ]
    client.force_login(desk)
    page = client.get(reverse("referrals:intake-list")).content.decode()
    links = [page.index(reverse("referrals:intake-detail", args=[cases[u].pk])) for u in cases]
    assert links[2] < links[1] < links[0]  # emergency, urgent, routine


def test_referred_cases_are_ordered_by_urgency_then_the_most_overdue(
    engine, desk, station, other_station, place
):
    late = send(a_need(place, Urgency.ROUTINE), desk, station)
    later = send(a_need(place, Urgency.ROUTINE), desk, station, SENT_AT + dt.timedelta(hours=5))
    emergency = send(a_need(place, Urgency.EMERGENCY), desk, other_station, SENT_AT)
    with time_machine.travel(SENT_AT + dt.timedelta(days=3), tick=False):
        referred = list(selectors.referred_cases(desk))
    assert [case.pk for case in referred] == [
        emergency.intake_id,
        late.intake_id,
        later.intake_id,
    ]


def test_the_providers_inbox_shows_the_emergency_first(engine, desk, station, place, client):
    # given a routine case in service, a routine referral sent next and an emergency sent last
    serving = send(a_need(place, Urgency.ROUTINE), desk, station, SENT_AT - dt.timedelta(days=9))
    accept(serving, station, SENT_AT - dt.timedelta(days=9))
    with time_machine.travel(SENT_AT - dt.timedelta(days=8), tick=False):
        services.service_session_log(
            referral=serving,
            by=station.staff,
            held_on=dt.date(2026, 10, 25),
            duration_minutes=45,
            category=serving.need.category,
        )
    routine = send(a_need(place, Urgency.ROUTINE), desk, station)
    emergency = send(
        a_need(place, Urgency.EMERGENCY), desk, station, SENT_AT + dt.timedelta(days=1)
    )
    client.force_login(station.staff)
    with time_machine.travel(SENT_AT + dt.timedelta(days=1, hours=1), tick=False):
        page = client.get(reverse("portal:inbox")).content.decode()
    rows = [page.index(reverse("portal:case", args=[r.pk])) for r in (emergency, routine, serving)]
    assert rows == sorted(rows)


def test_a_finished_emergency_follows_the_live_cases(engine, desk, station, place):
    done = send(a_need(place, Urgency.EMERGENCY), desk, station, SENT_AT - dt.timedelta(days=9))
    accept(done, station, SENT_AT - dt.timedelta(days=9))
    with time_machine.travel(SENT_AT - dt.timedelta(days=8), tick=False):
        services.service_session_log(
            referral=done,
            by=station.staff,
            held_on=dt.date(2026, 10, 25),
            duration_minutes=45,
            category=done.need.category,
        )
        services.referral_complete(referral=done, by=station.staff, outcome="已照料")
    routine = send(a_need(place, Urgency.ROUTINE), desk, station)
    assert list(selectors.urgent_first(selectors.provider_referrals(station.staff))) == [
        routine,
        done,
    ]
