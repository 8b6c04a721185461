"""A need keeps its household's county (``Need.county``): set when it is saved or inserted in
bulk, followed when the household moves, and put right by the scheduled repair when a path
changed it behind the ORM's back. The county's intake desk reads its needs by it."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from bangfu.registry.models import Assessment, Household, Need, ServiceCategory
from bangfu.registry.summaries import REPAIR_CURSOR
from tests.factories import (
    HouseholdFactory,
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


def county_of(need: Need):
    return Need.objects.values_list("county", flat=True).get(pk=need.pk)


def test_a_need_saved_takes_its_households_county(counties):
    (county, village), _other = counties
    need = NeedFactory(household=HouseholdFactory(region=village))

    assert county_of(need) == county.pk


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


def test_a_household_moved_to_another_county_takes_its_needs_along(counties):
    (_county, village), (other_county, other_village) = counties
    household = HouseholdFactory(region=village)
    needs = [NeedFactory(household=household), NeedFactory(household=household)]

    household.region = other_village
    household.save()

    assert [county_of(need) for need in needs] == [other_county.pk] * 2


def test_moved_by_its_region_alone_the_household_still_takes_its_needs(counties):
    (_county, village), (other_county, other_village) = counties
    household = HouseholdFactory(region=village)
    need = NeedFactory(household=household)

    household.region = other_village
    household.save(update_fields=["region"])

    assert county_of(need) == other_county.pk


def test_moved_behind_the_orms_back_the_needs_stay_until_the_repair(counties):
    # The positive control of the two above, and the repair's case: an UPDATE of the region
    # moves neither the household's county nor its needs'; the scheduled refresh does.
    (county, village), (other_county, other_village) = counties
    household = HouseholdFactory(region=village)
    need = NeedFactory(household=household)
    Household.objects.filter(pk=household.pk).update(region=other_village)
    assert county_of(need) == county.pk

    cache.delete(REPAIR_CURSOR)
    call_command("refresh_tallies")

    assert Household.objects.get(pk=household.pk).county == other_county
    assert county_of(need) == other_county.pk


def test_the_repair_puts_right_a_needs_county_changed_alone(counties):
    (county, village), (other_county, _other_village) = counties
    need = NeedFactory(household=HouseholdFactory(region=village))
    Need.objects.filter(pk=need.pk).update(county=other_county)

    cache.delete(REPAIR_CURSOR)
    call_command("refresh_tallies")

    assert county_of(need) == county.pk
