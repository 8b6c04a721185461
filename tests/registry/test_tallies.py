"""The dashboards' counts from the region tallies equal the live counts, for every scope."""

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.regions.models import within
from bangfu.registry.models import Household, Need, RegionTally, Tier
from bangfu.registry.selectors import dashboard
from bangfu.registry.tallies import fresh_tally_rows, tallies_refresh
from tests.factories import (
    HouseholdFactory,
    NeedFactory,
    OrganisationFactory,
    ServiceCategoryFactory,
    UserFactory,
    member_of,
    region_chain,
)

pytestmark = pytest.mark.postgres

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


@pytest.fixture
def wider(registry):
    """The registry's fixture and: another county of the same city, a county of another city,
    households registered at county A's first township (no village known); users of the city,
    of two counties, of a province and a county inside it, and an assistant of two villages in
    two townships."""
    province, city, county, town, village = region_chain("530428", "101", "201")
    *_, village_3 = region_chain("530428", "102", "201")
    *_, same_city_village = region_chain("530402", "001", "001")
    *_, other_county, _town, other_city_village = region_chain("532301", "001", "001")
    _households(same_city_village, 1)
    _households(other_city_village, 2)
    _households(town, 3)  # registered at the township itself
    committee = OrganisationFactory(kind=Organisation.Kind.VILLAGE_COMMITTEE, region=village_3)
    assistant = UserFactory(username="two_villages")
    member_of(assistant, committee, Role.ASSISTANT, villages=[village, village_3])
    two_counties = _bureau_user(county, "two_counties")
    _bureau_user(other_county, "two_counties")
    overlapping = _bureau_user(province, "overlapping")
    _bureau_user(county, "overlapping")
    return registry | {
        "city": _bureau_user(city, "city"),
        "two_villages": assistant,
        "two_counties": two_counties,
        "overlapping": overlapping,
        "regions": {"province": province, "city": city, "county": county, "town": town},
    }


@pytest.mark.parametrize(
    "who",
    [
        "province",
        "city",
        "county",
        "township",
        "village",
        "two_villages",
        "two_counties",
        "overlapping",
        "county_b",
        "superuser",
    ],
)
def test_the_rolled_up_tallies_give_the_live_counts_at_every_level(wider, who):
    user = wider[who]
    live = dashboard(user, today=timezone.localdate())

    tallies_refresh()

    assert _counts(dashboard(user)) == live
    assert live.households_total > 0


def test_two_counties_count_as_each_county_alone(wider):
    tallies_refresh()
    two = dashboard(wider["two_counties"]).households_total
    county_a = dashboard(wider["county"]).households_total
    other = Household.objects.exclude(status=Household.Status.EXITED)
    other = other.filter(region__path__startswith="53/5323/").count()

    assert two == county_a + other
    assert other > 0  # positive control: the second county holds households of its own


def test_a_township_case_counts_once_at_the_township_and_every_level_above(wider):
    users = [wider[who] for who in ("township", "county", "city", "province", "superuser")]
    tallies_refresh()
    before = [dashboard(user).households_total for user in users]

    HouseholdFactory(region=wider["regions"]["town"], status=Household.Status.ACTIVE)
    tallies_refresh()

    assert [dashboard(user).households_total for user in users] == [n + 1 for n in before]
    # the township keeps the case as registered in it, apart from its villages' rolled-up count
    town_rows = RegionTally.objects.filter(region=wider["regions"]["town"], measure="households")
    assert town_rows.filter(below=False).exists() and town_rows.filter(below=True).exists()


def test_a_province_reads_its_own_rows_not_its_villages(wider):
    province = wider["regions"]["province"]
    user = wider["province"]
    live = dashboard(user, today=timezone.localdate())
    tallies_refresh()
    measures = ["open_needs", "households", "reviews"]
    rows, _as_of = fresh_tally_rows(user, measures)
    registered_in_area = RegionTally.objects.filter(
        within(province, "region"), below=False, measure__in=measures
    )

    # the province's strip is a few rows: the province's own and rolled-up rows
    assert set(rows.values_list("region", flat=True)) == {province.pk}
    assert rows.count() < registered_in_area.count()
    # and they alone give its counts: without the rows of the regions below it, the same
    RegionTally.objects.exclude(region=province).delete()
    assert _counts(dashboard(user)) == live
    # positive control: summing the rows registered in the area (the reader before the
    # rollups) no longer gives the live count
    summed = registered_in_area.filter(measure="households").aggregate(n=Sum("count"))["n"]
    assert (summed or 0) != live.households_total
