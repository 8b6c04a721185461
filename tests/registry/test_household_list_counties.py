"""The household list of a county reads its households by the county kept on each household; who
sees a household is still decided by its village's path. A county's list holds every household
of the county and none of another's, even where registry numbers say otherwise; a wrong county
on a row hides nothing from another area and the scheduled repair restores it."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.registry import selectors, services
from bangfu.registry.models import Household
from bangfu.registry.summaries import REPAIR_CURSOR, summaries_repair
from tests.factories import (
    HouseholdFactory,
    OrganisationFactory,
    RegionFactory,
    bureau_staff_of,
    member_of,
    region_chain,
)
from tests.registry.listing import registry_numbers_on_every_page

pytestmark = pytest.mark.postgres

LIST_URL = reverse("registry:household-list")


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr("bangfu.registry.views.PAGE_SIZE", 3)


def _walk(user, **params) -> list[str]:
    """The registry numbers on every page of the user's list."""
    client = Client()
    client.force_login(user)
    return registry_numbers_on_every_page(client, **params)


@pytest.fixture
def places(db):
    """Counties A (530428, two townships) and C (530425) of one city, and B of another
    province; their households' registry numbers interleave: C's begin with A's code."""
    _province, city, county_a, town_a, village_a = region_chain("530428", "101", "201")
    *_same, county_c, _town_c, village_c = region_chain("530425", "101", "201")
    *_other, county_b, _town_b, village_b = region_chain("350502", "001", "001")
    town_a2 = RegionFactory(code="530428102", name="镇102", level=town_a.level, parent=county_a)
    village_a2 = RegionFactory(
        code="530428102202", name="村202", level=village_a.level, parent=town_a2
    )
    numbers = {"a": [], "a2": [], "c": [], "b": []}
    for n in range(12):
        key, village = [("a", village_a), ("c", village_c), ("a2", village_a2), ("b", village_b)][
            n % 4
        ]
        number = f"530428-{n:04d}"
        HouseholdFactory(region=village, registry_number=number)
        numbers[key].append(number)
    return {
        "city": city,
        "county_a": county_a,
        "town_a": town_a,
        "county_c": county_c,
        "county_b": county_b,
        "village_a": village_a,
        "village_c": village_c,
        "numbers": numbers,
    }


def test_a_countys_list_holds_all_its_households_and_no_other_countys(places):
    numbers = places["numbers"]
    staff_a = bureau_staff_of(places["county_a"], "bureau_a")
    staff_c = bureau_staff_of(places["county_c"], "bureau_c")

    for sort in ("number", "-priority", "-members"):
        assert sorted(_walk(staff_a, sort=sort)) == sorted(numbers["a"] + numbers["a2"])
        # positive control: C's households, numbered like A's, are on C's own list
        assert sorted(_walk(staff_c, sort=sort)) == numbers["c"]


def test_a_townships_list_keeps_to_the_township(places):
    numbers = places["numbers"]
    township_staff = bureau_staff_of(places["town_a"], "township_a")

    assert _walk(township_staff) == numbers["a"]  # not the other township of the county


def test_a_city_and_a_user_of_two_counties_see_both_counties(places):
    numbers = places["numbers"]
    city_staff = bureau_staff_of(places["city"], "city")
    both = bureau_staff_of(places["county_a"], "two_counties")
    member_of(
        both,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=places["county_c"]),
        Membership.Role.BUREAU_STAFF,
    )
    expected = sorted(numbers["a"] + numbers["a2"] + numbers["c"])

    assert _walk(city_staff) == expected
    assert _walk(both) == expected  # and never county B's


def test_a_household_moved_to_another_countys_village_moves_lists(places):
    staff_a = bureau_staff_of(places["county_a"], "bureau_a")
    staff_c = bureau_staff_of(places["county_c"], "bureau_c")
    city_staff = bureau_staff_of(places["city"], "city")
    moving = Household.objects.get(registry_number=places["numbers"]["a"][0])

    services.household_update(household=moving, by=city_staff, region=places["village_c"])

    assert Household.objects.get(pk=moving.pk).county == places["county_c"]
    assert moving.registry_number not in _walk(staff_a)
    assert moving.registry_number in _walk(staff_c)


def test_a_wrong_county_on_a_row_shows_it_to_no_other_area_and_the_repair_restores_it(places):
    staff_a = bureau_staff_of(places["county_a"], "bureau_a")
    staff_c = bureau_staff_of(places["county_c"], "bureau_c")
    number = places["numbers"]["a"][0]
    Household.objects.filter(registry_number=number).update(county=places["county_c"])

    assert number not in _walk(staff_c)  # the village's path still decides who sees it

    cache.delete(REPAIR_CURSOR)
    assert summaries_repair() == 1

    assert Household.objects.get(registry_number=number).county == places["county_a"]
    assert number in _walk(staff_a)
    assert number not in _walk(staff_c)


def test_a_county_bureau_reads_past_rows_of_another_area_on_every_page_and_counts_none(
    places, monkeypatch
):
    """Every household of county A wrongly marked as C's: two of them before each of C's own
    in C's order, six in all, more than a page of three."""
    staff_c = bureau_staff_of(places["county_c"], "bureau_c")
    numbers = places["numbers"]
    Household.objects.filter(registry_number__in=numbers["a"] + numbers["a2"]).update(
        county=places["county_c"]
    )
    client = Client()
    client.force_login(staff_c)

    assert _walk(staff_c) == numbers["c"]
    assert client.get(LIST_URL).context["page_obj"].count == 3

    # positive control: C's list reads the six, and would show and count them if it did not
    # check each row's path
    monkeypatch.setattr(
        selectors,
        "household_list_page",
        lambda user: (selectors.area_rows(Household, user)[0], ""),
    )
    assert sorted(_walk(staff_c)) == sorted(numbers["c"] + numbers["a"] + numbers["a2"])
    assert client.get(LIST_URL).context["page_obj"].count == 9
