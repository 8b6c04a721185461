"""Members and needs keep their household's county (``Member.county``, ``Need.county``): set
when they are saved or inserted in bulk, followed when the household moves, and put right by
the scheduled repair when a path changed it behind the ORM's back. The county's intake desk
reads its needs by it, the county's search its people."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.registry.models import Assessment, Household, Member, Need, ServiceCategory
from bangfu.registry.summaries import REPAIR_CURSOR
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    ServiceCategoryFactory,
    UserFactory,
    region_chain,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def counties():
    """Two counties of one city, a village in each."""
    ServiceCategoryFactory()
    *_, first_county, _town, first_village = region_chain("530428")
    *_, second_county, _town, second_village = region_chain("530427")
    return (first_county, first_village), (second_county, second_village)


# A household's rows that keep its county, made by their factories.
KINDS = {"member": MemberFactory, "need": NeedFactory}


def county_of(row):
    return type(row).objects.values_list("county", flat=True).get(pk=row.pk)


@pytest.mark.parametrize("make", KINDS.values(), ids=KINDS.keys())
def test_a_row_saved_takes_its_households_county(counties, make):
    (county, village), _other = counties
    row = make(household=HouseholdFactory(region=village))

    assert county_of(row) == county.pk


def test_needs_inserted_in_bulk_take_their_households_county_not_the_ones_they_carry(counties):
    (county, village), (other_county, _other_village) = counties
    household = HouseholdFactory(region=village)
    assessment = Assessment.objects.create(
        household=household, assessed_on="2026-10-01", assessor=UserFactory()
    )
    carried = Need(
        household=household,
        assessment=assessment,
        category=ServiceCategory.objects.get(code="care"),
        severity=3,
        opened_on="2026-10-02",
        county=other_county,
    )

    Need.objects.bulk_create([carried])

    assert county_of(carried) == county.pk


@pytest.mark.parametrize("make", KINDS.values(), ids=KINDS.keys())
def test_a_household_moved_to_another_county_takes_its_rows_along(counties, make):
    (_county, village), (other_county, other_village) = counties
    household = HouseholdFactory(region=village)
    rows = [make(household=household), make(household=household)]

    household.region = other_village
    household.save()

    assert [county_of(row) for row in rows] == [other_county.pk] * 2


@pytest.mark.parametrize("make", KINDS.values(), ids=KINDS.keys())
def test_moved_by_its_region_alone_the_household_still_takes_its_rows(counties, make):
    (_county, village), (other_county, other_village) = counties
    household = HouseholdFactory(region=village)
    row = make(household=household)

    household.region = other_village
    household.save(update_fields=["region"])

    assert county_of(row) == other_county.pk


@pytest.mark.parametrize("make", KINDS.values(), ids=KINDS.keys())
def test_moved_behind_the_orms_back_the_rows_stay_until_the_repair(counties, make):
    # The positive control of the two above, and the repair's case: an UPDATE of the region
    # moves neither the household's county nor its needs'; the scheduled refresh does.
    (county, village), (other_county, other_village) = counties
    household = HouseholdFactory(region=village)
    row = make(household=household)
    Household.objects.filter(pk=household.pk).update(region=other_village)
    assert county_of(row) == county.pk

    cache.delete(REPAIR_CURSOR)
    call_command("refresh_tallies")

    assert Household.objects.get(pk=household.pk).county == other_county
    assert county_of(row) == other_county.pk


@pytest.mark.parametrize("make", KINDS.values(), ids=KINDS.keys())
def test_the_repair_puts_right_a_rows_county_changed_alone(counties, make):
    (county, village), (other_county, _other_village) = counties
    row = make(household=HouseholdFactory(region=village))
    type(row).objects.filter(pk=row.pk).update(county=other_county)

    cache.delete(REPAIR_CURSOR)
    call_command("refresh_tallies")

    assert county_of(row) == county.pk


def test_members_inserted_in_bulk_take_their_households_county_not_the_ones_they_carry(
    counties,
):
    (county, village), (other_county, _other_village) = counties
    carried = MemberFactory.build(household=HouseholdFactory(region=village), county=other_county)

    Member.objects.bulk_create([carried])

    assert county_of(carried) == county.pk


def test_a_household_saved_where_it_is_writes_no_rows_of_its_members_or_needs(counties):
    (_county, village), _other = counties
    household = HouseholdFactory(region=village)
    MemberFactory(household=household)
    NeedFactory(household=household)
    household.address = "新地址 1 号"

    with CaptureQueriesContext(connection) as queries:
        household.save()

    assert _registry_updates(queries) == ["registry_household"]
    # positive control: moved, it writes its members' and needs' county too
    household.region = counties[1][1]
    with CaptureQueriesContext(connection) as queries:
        household.save()
    assert _registry_updates(queries) == ["registry_household", "registry_member", "registry_need"]


def _registry_updates(queries) -> list[str]:
    """The registry's tables that ``queries`` updated, in order."""
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "regis')]
    return [sql.split('"')[1] for sql in updates]
