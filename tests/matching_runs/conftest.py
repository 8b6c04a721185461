import datetime as dt
from decimal import Decimal

import pytest

from bangfu.accounts.models import Membership, Organisation
from bangfu.regions.models import Region
from bangfu.registry.models import Member, ServiceCategory, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    member_of,
    region_chain,
)

TODAY = dt.date(2026, 11, 25)


def place(region, lat, lon):
    region.latitude, region.longitude = Decimal(str(lat)), Decimal(str(lon))
    region.save()
    return region


@pytest.fixture
def county():
    """A county with two townships 20 km apart, a station in each, one volunteer."""
    *_above, county, town1, village1 = region_chain("530428", "101", "201")
    place(town1, 23.60, 101.99)
    place(village1, 23.61, 101.99)
    town2 = place(
        RegionFactory(code="530428102", name="镇102", level=Region.Level.TOWNSHIP, parent=county),
        23.78,
        101.99,
    )
    village2 = place(
        RegionFactory(code="530428102201", name="村2", level=Region.Level.VILLAGE, parent=town2),
        23.78,
        101.99,
    )
    return county, town1, village1, town2, village2


@pytest.fixture
def providers(county):
    _county, town1, village1, town2, _village2 = county
    care = ServiceCategory.objects.get(code="care")
    rehab = ServiceCategory.objects.get(code="rehabilitation")
    station1 = StationFactory(
        organisation__region=town1,
        organisation__name="澧江街道社工站",
        capacity=2,
        categories=[care],
    )
    station2 = StationFactory(
        organisation__region=town2,
        organisation__name="红河街道社工站",
        capacity=5,
        categories=[care],
    )
    volunteer = VolunteerFactory(
        user__display_name="李志愿",
        home_region=village1,
        latitude=Decimal("23.612"),
        longitude=Decimal("101.991"),
        travel_radius_km=Decimal("5"),
        capacity=1,
        categories=[rehab],
        certificates=["rehab_therapist"],
    )
    return station1, station2, volunteer


def household_with_need(village, *, tier=Tier.DIBAO, category="care", priority="50", seq=0):
    household = HouseholdFactory(
        region=village,
        tier=tier,
        latitude=village.latitude,
        longitude=village.longitude,
    )
    MemberFactory(household=household, relation=Member.Relation.HEAD)
    return NeedFactory(
        household=household,
        category=ServiceCategory.objects.get(code=category),
        opened_on=TODAY - dt.timedelta(days=10 + seq),
        priority=Decimal(priority),
    )


@pytest.fixture
def bureau(county):
    county_region = county[0]
    organisation = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county_region)
    user = UserFactory(username="bureau_staff_mr")
    member_of(user, organisation, Membership.Role.BUREAU_STAFF)
    return user
