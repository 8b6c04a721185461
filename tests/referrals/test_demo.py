"""The demo step: referrals in every state, made through the services."""

import random

import pytest
from django.utils import timezone

from bangfu.providers.models import Station
from bangfu.referrals.demo import load_referrals_demo, reset_referrals_demo
from bangfu.referrals.models import (
    Feedback,
    IntakeCase,
    Notification,
    Referral,
    ReferralEvent,
    ServiceSession,
)
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory

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
