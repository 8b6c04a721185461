"""Who reviews a charity's offer: the bureau of the county it is for (the city's when it spans
counties), wherever the charity itself is registered."""

import pytest

from bangfu.accounts.models import Membership, Organisation
from bangfu.offers.models import Offer
from bangfu.regions.models import Region
from tests.factories import (
    OfferFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    charity_with_staff,
    member_of,
)

pytestmark = pytest.mark.django_db


def bureau_user(region, username):
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region)
    user = UserFactory(username=username)
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


@pytest.fixture
def neighbour(county_a):
    """Another county of county A's city, with a township and its own bureau."""
    county = RegionFactory(
        code="530402", name="红塔区", level=Region.Level.COUNTY, parent=county_a[0].parent
    )
    town = RegionFactory(
        code="530402001", name="玉兴街道", level=Region.Level.TOWNSHIP, parent=county
    )
    return town, bureau_user(county, "bureau_neighbour")


@pytest.fixture
def city_charity(county_a):
    """A charity registered with the city above county A."""
    charity, _user = charity_with_staff(county_a[0].parent, name="玉溪市慈善总会")
    return charity


def pending_offer(charity, *regions):
    offer = OfferFactory(charity=charity, status=Offer.Status.PENDING)
    offer.regions.set(regions)
    return offer


def approve(client, user, offer) -> str:
    client.force_login(user)
    client.post(f"/staff/offers/{offer.pk}/approve/")
    offer.refresh_from_db()
    return offer.status


def test_the_county_bureau_reviews_a_city_charitys_offer_for_its_township(
    en_client, county_a, bureau_staff, city_charity
):
    offer = pending_offer(city_charity, county_a[1])
    en_client.force_login(bureau_staff)

    page = en_client.get(f"/staff/offers/{offer.pk}/").content.decode()

    assert f"/staff/offers/{offer.pk}/approve/" in page
    assert approve(en_client, bureau_staff, offer) == Offer.Status.APPROVED


def test_an_offer_for_the_next_county_is_that_countys_to_review(
    en_client, bureau_staff, city_charity, neighbour
):
    town, neighbour_staff = neighbour
    offer = pending_offer(city_charity, town)

    assert approve(en_client, bureau_staff, offer) == Offer.Status.PENDING
    assert approve(en_client, neighbour_staff, offer) == Offer.Status.APPROVED


def test_an_offer_spanning_two_counties_is_the_citys_to_review(
    en_client, county_a, bureau_staff, city_charity, neighbour
):
    town, neighbour_staff = neighbour
    offer = pending_offer(city_charity, county_a[1], town)
    city_staff = bureau_user(county_a[0].parent, "bureau_city")

    assert approve(en_client, bureau_staff, offer) == Offer.Status.PENDING
    assert approve(en_client, neighbour_staff, offer) == Offer.Status.PENDING
    assert approve(en_client, city_staff, offer) == Offer.Status.APPROVED
