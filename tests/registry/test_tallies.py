"""The dashboards' counts from the region tallies equal the live counts, for every scope."""

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.registry.models import Household, Need, RegionTally, Tier
from bangfu.registry.selectors import dashboard
from bangfu.registry.tallies import tallies_refresh
from tests.factories import (
    HouseholdFactory,
    NeedFactory,
    OrganisationFactory,
    ServiceCategoryFactory,
    UserFactory,
    member_of,
    region_chain,
)

LIST_URL = reverse("registry:household-list")
Role = Membership.Role


def _bureau_user(region, username, role=Role.BUREAU_STAFF):
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region)
    user = UserFactory(username=username)
    member_of(user, bureau, role)
    return user


def _households(village, seed: int):
    """A spread of tiers, statuses, review dates and needs in one village."""
    today = timezone.localdate()
    reviews = [None, today - dt.timedelta(days=3), today, today + dt.timedelta(days=30)]
    reviews += [today + dt.timedelta(days=31), today - dt.timedelta(days=400)]
    tiers = list(Tier.values)
    statuses = list(Household.Status.values)
    urgencies = list(Need.Urgency.values)
    need_statuses = list(Need.Status.values)
    for n in range(8 + seed):
        household = HouseholdFactory(
            region=village,
            tier=tiers[(n + seed) % len(tiers)],
            status=statuses[n % len(statuses)],
            next_review_due=reviews[n % len(reviews)],
        )
        for k in range(1 + n % 3):
            NeedFactory(
                household=household,
                urgency=urgencies[(n + k + seed) % len(urgencies)],
                status=need_statuses[(n + k) % len(need_statuses)],
            )


@pytest.fixture
def registry(db):
    """Two townships of county A (two villages in one), and county B in another province;
    users of a village, a township, county A, province 53, county B and a superuser."""
    ServiceCategoryFactory()
    province, _city, county, town, village = region_chain("530428", "101", "201")
    *_, village_2 = region_chain("530428", "101", "202")
    *_, village_3 = region_chain("530428", "102", "201")
    *_, county_b, _town_b, village_b = region_chain("350502", "001", "001")
    for seed, place in enumerate([village, village_2, village_3, village_b]):
        _households(place, seed)
    assistant = UserFactory(username="assistant")
    committee = OrganisationFactory(kind=Organisation.Kind.VILLAGE_COMMITTEE, region=village)
    member_of(assistant, committee, Role.ASSISTANT, villages=[village])
    return {
        "village": assistant,
        "township": _bureau_user(town, "township", Role.TOWNSHIP_REVIEWER),
        "county": _bureau_user(county, "county"),
        "province": _bureau_user(province, "province"),
        "county_b": _bureau_user(county_b, "county_b"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
    }


def _counts(board):
    return dataclasses.replace(board, as_of=None)


@pytest.mark.parametrize(
    "who", ["village", "township", "county", "province", "county_b", "superuser"]
)
def test_the_tallies_give_the_live_counts_of_every_scope(registry, who):
    user = registry[who]
    live = dashboard(user, today=timezone.localdate())

    tallies_refresh()
    board = dashboard(user)

    # given the tallies refreshed: the strip says when, and counts as the live query does
    assert board.as_of is not None
    assert _counts(board) == live
    assert live.households_total > 0 and live.reviews_overdue > 0 and live.reviews_soon > 0
    assert sum(n for _value, _label, n in live.open_needs_by_urgency) > 0


def test_a_county_counts_none_of_another_countys_rows(registry):
    tallies_refresh()

    county_a = dashboard(registry["county"])
    county_b = dashboard(registry["county_b"])
    everything = dashboard(registry["superuser"])

    # positive control: county B's rows are in the tallies and count for B
    assert county_b.households_total > 0
    assert county_a.households_total + county_b.households_total == everything.households_total
    assert county_a.reviews_overdue + county_b.reviews_overdue == everything.reviews_overdue


def test_writes_show_after_the_next_refresh(registry):
    user = registry["county"]
    tallies_refresh()
    before = dashboard(user)
    village = Household.objects.for_user(user).first().region

    HouseholdFactory(region=village, tier=Tier.TEKUN, status=Household.Status.ACTIVE)
    assert dashboard(user).households_total == before.households_total
    tallies_refresh()

    after = dashboard(user)
    assert after.households_total == before.households_total + 1
    assert _counts(after) == dashboard(user, today=timezone.localdate())


def test_tallies_of_an_earlier_day_give_way_to_live_counts(registry):
    user = registry["county"]
    tallies_refresh(now=timezone.now() - dt.timedelta(days=1))

    board = dashboard(user)

    assert board.as_of is None
    assert board == dashboard(user, today=timezone.localdate())


def test_tallies_older_than_the_limit_give_way_to_live_counts(registry, settings):
    settings.REGION_TALLIES_MAX_AGE_SECONDS = 60
    now = timezone.now()
    tallies_refresh(now=now - dt.timedelta(seconds=61))
    assert dashboard(registry["county"]).as_of is None
    tallies_refresh(now=now)
    assert dashboard(registry["county"]).as_of is not None


def test_the_household_list_states_the_time_of_the_counts(registry, english_client):
    client = english_client
    client.force_login(registry["county"])
    assert b"Counts as of" not in client.get(LIST_URL).content

    call_command("refresh_tallies", stdout=io.StringIO())

    response = client.get(LIST_URL)
    assert RegionTally.objects.exists()
    assert b"Counts as of" in response.content
    assert (
        response.context["dashboard"].households_total
        == _counts(dashboard(registry["county"], today=timezone.localdate())).households_total
    )
