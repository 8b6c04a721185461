"""The demo step: referrals in every state, made through the services."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from bangfu.demo.referrals import load_referrals_demo, reset_referrals_demo
from bangfu.procurement.models import DeliveryRecord
from bangfu.providers.models import Station
from bangfu.referrals.models import (
    Feedback,
    IntakeCase,
    Notification,
    Referral,
    ReferralEvent,
    ServiceSession,
)
from bangfu.referrals.services.common import deadlines_for
from bangfu.registry.models import Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory
from tests.referrals.conftest import RankedProvider
from tests.referrals.projects import agency_with_staff, buyer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_needs(place):
    needs = []
    for number in range(40):
        household = HouseholdFactory(region=place["village"])
        MemberFactory(household=household)
        needs.append(NeedFactory(household=household, severity=1 + number % 5))
    return needs


def test_the_demo_refers_open_needs_into_every_state(engine, county_staff, place, open_needs):
    Station.objects.update(capacity=40)
    counts = load_referrals_demo(
        place["county"], random.Random(7), as_of=timezone.localdate(), share=1.0
    )
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses >= {"sent", "accepted", "in_service", "completed", "declined", "expired"}
    assert ServiceSession.objects.exists() and Feedback.objects.exists()
    assert (
        sum(v for k, v in counts.items() if k.startswith("referrals ")) == Referral.objects.count()
    )
    # Nothing was written around the services: every referral has its audit trail.
    assert all(referral.events.exists() for referral in Referral.objects.all())
    # Nothing is dated after the demo's "now".
    now = timezone.now()
    assert not Referral.objects.filter(sent_at__gt=now).exists()
    assert not ReferralEvent.objects.filter(at__gt=now).exists()
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_demo_resets_cleanly(engine, county_staff, place, open_needs):
    Station.objects.update(capacity=40)
    load_referrals_demo(place["county"], random.Random(3), share=0.5)
    reset_referrals_demo(place["county"])
    assert not Referral.objects.exists() and not IntakeCase.objects.exists()
    assert not Notification.objects.exists()


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_the_agency_serves_the_cases_the_engine_sends_to_its_project(
    engine, county_staff, place, open_needs
):
    # given a project under way that buys the needs' care, the engine's first candidate
    agency, agency_staff = agency_with_staff(
        place["county"], name="元江县益康社会工作服务中心", username="agency_staff"
    )
    project = buyer_of(place["county"]).project(
        agency=agency,
        items=("home-care",),
        target_households=len(open_needs),
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    engine.candidates.insert(
        0,
        RankedProvider("project", project.provider_id, project.name, 0.95, {"capacity": 1.0}, 4.0),
    )

    counts = load_referrals_demo(
        place["county"], random.Random(7), as_of=dt.date(2026, 11, 20), share=1.0
    )

    # then the agency's staff took cases through to the end: served, completed, rated
    to_project = Referral.objects.filter(provider=project.provider)
    assert set(to_project.values_list("status", flat=True)) >= {
        "accepted",
        "in_service",
        "completed",
    }
    assert Feedback.objects.filter(referral__provider=project.provider).exists()
    assert counts["referrals to projects"] == to_project.count()
    # and every session they logged is one of the project's deliveries, to that household
    sessions = ServiceSession.objects.filter(referral__provider=project.provider).select_related(
        "referral__need"
    )
    assert sessions.exists() and {s.provided_by for s in sessions} == {agency_staff}
    for session in sessions:
        delivery = DeliveryRecord.objects.get(pk=session.delivery_record, case=session.referral_id)
        assert (delivery.project, delivery.household_id, delivery.delivered_on) == (
            project,
            session.referral.need.household_id,
            session.held_on,
        )
        assert project.starts_on <= delivery.delivered_on <= dt.date(2026, 11, 20)
    assert counts["project deliveries"] == DeliveryRecord.objects.count() == sessions.count()


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_no_demo_case_sits_overdue_unless_it_was_escalated(engine, county_staff, place, open_needs):
    # given emergencies among the needs, whose deadlines are hours
    Station.objects.update(capacity=40)
    Need.objects.filter(pk__in=[need.pk for need in open_needs[::3]]).update(
        urgency=Need.Urgency.EMERGENCY
    )
    counts = load_referrals_demo(
        place["county"], random.Random(7), as_of=dt.date(2026, 11, 20), share=1.0
    )
    # the deadline checks the beat would have run did run: escalations and re-routings
    assert counts.get("deadlines escalated") and counts.get("deadlines rerouted")
    now = timezone.now()
    overdue = Referral.objects.overdue(now).select_related("need__household__region")
    for referral in overdue:
        assert referral.escalated_at is not None
        assert now < referral.escalated_at + deadlines_for(referral.need, now).reroute_after
    # and the desk opens the demo with this week's notifications unread, the older ones read
    notes = Notification.objects.all()
    assert (
        notes.filter(created_at__lt=now - dt.timedelta(days=7), read_at__isnull=True).count() == 0
    )
    assert notes.filter(read_at__isnull=True).exists() and notes.filter(read_at=now).exists()
