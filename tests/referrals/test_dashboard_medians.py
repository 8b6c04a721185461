"""The bureau dashboard's medians (days to accept, days to first service) from the region
tallies' histograms: the same figures as counted live, in the user's area only."""

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.referrals import dashboards, services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.tallies import tallies_refresh
from tests.factories import HouseholdFactory, NeedFactory

pytestmark = pytest.mark.django_db

SENT = dt.datetime(2026, 10, 1, 9, 0)
# (hours from sending to acceptance, days from sending to the first session): in township 101
# an even number of referrals (the median is the mean of the middle two), in township 102 more.
TOWN = [(3.5, 1), (27.5, 2), (50.5, 4), (75.5, 9)]
OTHER_TOWN = [(200.5, 20), (300.5, 30), (400.5, 40)]


def _referrals(village, timings, *, by, provider_id):
    sent_at = timezone.make_aware(SENT)
    for hours, days in timings:
        need = NeedFactory(household=HouseholdFactory(region=village))
        intake = services.intake_open(by=by, source=IntakeCase.Source.VISIT, need=need)
        Referral.objects.create(
            intake=intake,
            need=need,
            provider_id=provider_id,
            status=Referral.Status.COMPLETED,
            sent_by=by,
            sent_at=sent_at,
            accept_due_at=sent_at + dt.timedelta(days=2),
            accepted_at=sent_at + dt.timedelta(hours=hours),
            first_service_on=SENT.date() + dt.timedelta(days=days),
        )


@pytest.fixture
def timed_referrals(engine, place, county_staff, station):
    _referrals(place["village"], TOWN, by=county_staff, provider_id=station.provider_id)
    _referrals(place["other_village"], OTHER_TOWN, by=county_staff, provider_id=station.provider_id)


@pytest.mark.parametrize(
    ("who", "to_accept", "to_service"),
    [
        # 39 hours (the mean of 27.5 and 50.5) and 3 days (of 2 and 4), in township 101 only
        ("desk", 1.6, 3.0),
        # positive control: the county reads township 102 too, whose referrals move the medians
        ("county_staff", 3.1, 9.0),
    ],
)
def test_the_medians_from_the_tallies_are_the_live_medians_of_the_users_area(
    timed_referrals, request, who, to_accept, to_service
):
    user = request.getfixturevalue(who)
    live = dashboards.bureau_dashboard(user, now=timezone.now())

    tallies_refresh()
    board = dashboards.bureau_dashboard(user)

    assert board.as_of is not None
    assert (board.median_days_to_accept, board.median_days_to_first_service) == (
        to_accept,
        to_service,
    )
    assert dataclasses.replace(board, as_of=None) == live


def test_the_dashboard_page_says_the_tallies_median_is_counted_to_the_hour(
    timed_referrals, desk, english_client
):
    client = english_client
    client.force_login(desk)
    url = reverse("referrals:dashboard")
    page = client.get(url).content.decode()
    assert "counted to the hour" not in page
    assert 'id="stat-accept">1.6<' in page

    tallies_refresh()
    page = client.get(url).content.decode()

    assert "counted to the hour" in page
    assert 'id="stat-accept">1.6<' in page
    assert 'id="stat-service">3<' in page
