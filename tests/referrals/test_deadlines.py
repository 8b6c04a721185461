"""Deadlines that escalate: the beat task reminds, escalates, then re-routes, once each."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Notification, Referral
from bangfu.referrals.tasks import check_referral_deadlines_task
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Need
from tests.referrals.conftest import need_status

pytestmark = pytest.mark.django_db
SENT_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sent(intake, desk, station):
    with time_machine.travel(SENT_AT, tick=False):
        return services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)


def run_beat(at: dt.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return check_referral_deadlines_task.delay().get()


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_nothing_happens_before_the_deadline(sent, station):
    assert run_beat(SENT_AT + dt.timedelta(days=2) - dt.timedelta(minutes=1)) == 0
    assert Referral.objects.get(pk=sent.pk).escalated_at is None


def test_an_unanswered_referral_escalates_once_then_goes_to_the_next_candidate(
    sent, station, other_station, desk, django_capture_on_commit_callbacks
):
    overdue = SENT_AT + dt.timedelta(days=2, minutes=1)
    with (
        time_machine.travel(overdue, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert check_referral_deadlines_task.delay().get() == 1
    referral = Referral.objects.get(pk=sent.pk)
    assert referral.status == Referral.Status.SENT
    assert referral.escalated_at == overdue
    assert kinds(station.staff) == ["overdue", "new_referral"]
    assert kinds(desk) == ["escalated"]
    assert referral.events.last().action == "escalated" and referral.events.last().by is None
    assert {message.to[0] for message in mail.outbox} >= {"station_staff@example.org"}

    # The beat runs again before the second deadline: nothing new is sent.
    run_beat(overdue + dt.timedelta(hours=12))
    assert kinds(station.staff).count("overdue") == 1
    assert kinds(desk).count("escalated") == 1

    # One day after the escalation the referral expires and the next candidate gets the case.
    rerouted_at = overdue + dt.timedelta(days=1)
    run_beat(rerouted_at)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.EXPIRED and referral.ended_at == rerouted_at
    expired = referral.events.get(action="expired")
    assert expired.by is None and "No answer by" in expired.note
    new = Referral.objects.exclude(pk=referral.pk).get()
    assert new.provider == other_station.provider
    assert new.sent_by == desk and new.events.get().by is None
    assert "expired" in new.events.get().note
    assert need_status(new.need) == Need.Status.REFERRED
    assert kinds(desk)[0] == "rerouted"
    assert "new_referral" in kinds(other_station.staff)

    # Safe to run twice: the expired referral is not touched again.
    run_beat(rerouted_at + dt.timedelta(minutes=15))
    assert Referral.objects.count() == 2


def test_without_another_candidate_the_case_waits_at_the_desk(sent, station, desk, engine):
    engine.candidates = engine.candidates[:1]  # only the station that lets it lapse
    overdue = SENT_AT + dt.timedelta(days=2, minutes=1)
    run_beat(overdue)
    run_beat(overdue + dt.timedelta(days=1))
    assert Referral.objects.get().status == Referral.Status.EXPIRED
    intake = IntakeCase.objects.get()
    assert intake.status == IntakeCase.Status.OPEN and intake.candidate_count == 0
    assert need_status(sent.need) == Need.Status.OPEN
    assert kinds(desk)[0] == "no_candidate"


def test_accepted_but_never_served_escalates_then_frees_the_slot(sent, station, other_station):
    accepted_at = SENT_AT + dt.timedelta(hours=3)
    with time_machine.travel(accepted_at, tick=False):
        services.referral_accept(referral=sent, by=station.staff)
    served_by = accepted_at + dt.timedelta(days=7)
    assert run_beat(served_by - dt.timedelta(minutes=1)) == 0
    run_beat(served_by + dt.timedelta(minutes=1))
    assert Referral.objects.get(pk=sent.pk).escalated_at is not None
    run_beat(served_by + dt.timedelta(days=1, minutes=1))
    referral = Referral.objects.get(pk=sent.pk)
    assert referral.status == Referral.Status.EXPIRED and referral.slot is None
    assert "No service by" in referral.events.get(action="expired").note
    assert Referral.objects.get(status=Referral.Status.SENT).provider == other_station.provider


def test_a_served_referral_is_never_overdue(sent, station):
    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        services.referral_accept(referral=sent, by=station.staff)
        services.service_session_log(
            referral=sent,
            by=station.staff,
            held_on=dt.date(2026, 11, 2),
            duration_minutes=45,
            category=sent.need.category,
        )
    assert run_beat(SENT_AT + dt.timedelta(days=30)) == 0


def test_the_region_sets_its_own_deadlines(intake, desk, station, place):
    PolicyValue.objects.create(
        key="referral_reroute_after_days", region=place["town"], year=2026, value=0
    )
    with time_machine.travel(SENT_AT, tick=False):
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    overdue = SENT_AT + dt.timedelta(days=2, minutes=1)
    run_beat(overdue)
    run_beat(overdue + dt.timedelta(minutes=15))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.EXPIRED


def test_the_desks_note_travels_to_the_next_candidate_when_a_referral_is_rerouted(
    intake, desk, station, other_station
):
    note = "请下午联系，老人耳背，先打给女儿。"
    with time_machine.travel(SENT_AT, tick=False):
        first = services.referral_send(
            intake=intake, provider_id=station.provider_id, by=desk, note_to_provider=note
        )
    overdue = SENT_AT + dt.timedelta(days=2, minutes=1)
    run_beat(overdue)
    run_beat(overdue + dt.timedelta(days=1))
    new = Referral.objects.exclude(pk=first.pk).get()
    assert new.provider == other_station.provider
    assert new.note_to_provider == note
