"""offer_providers(): published offers as providers of the matching engine."""

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.offers.models import Offer
from bangfu.offers.selectors import offer_providers
from bangfu.offers.services import allocation_confirm
from bangfu.registry.models import Tier
from matching.types import AGE_UNLIMITED, TIERS
from tests.factories import OfferFactory, charity_with_staff

pytestmark = pytest.mark.django_db


def test_a_published_offer_becomes_a_provider_with_its_eligibility(
    county_a, charity, hardship, django_assert_max_num_queries
):
    county, town, _village = county_a
    offer = OfferFactory(
        charity=charity,
        quantity=21,
        units_per_household=2,
        amount_per_household=Decimal("150.50"),
        tiers=[Tier.DIBAO, Tier.TEKUN],
        min_age=60,
        disability_max_grade=2,
        reach_km=30,
    )
    offer.regions.set([town])
    offer.need_categories.set([hardship.parent])
    with django_assert_max_num_queries(4):
        (provider,) = offer_providers(county)
    assert provider.pk == offer.pk
    assert provider.category_ids == tuple(sorted({hardship.pk, hardship.parent_id}))
    assert provider.remaining_households == 10  # 21 units, 2 a household
    assert provider.tiers == (Tier.TEKUN, Tier.DIBAO)  # in the engine's order
    assert provider.tier_mask == (1 << TIERS.index("tekun")) | (1 << TIERS.index("dibao"))
    assert (provider.min_age, provider.max_age, provider.disability_max_grade) == (
        60,
        AGE_UNLIMITED,
        2,
    )
    assert provider.region_prefixes == (town.code,)
    assert (provider.lat, provider.lon) == (float(town.latitude), float(town.longitude))
    assert provider.radius_km == 30.0
    assert provider.unit_amount_fen == 15050


def test_only_offers_that_can_still_be_given_in_the_county_are_providers(
    county_a, county_b, charity, make_need, bureau_staff, today
):
    county = county_a[0]
    kept = OfferFactory(charity=charity, title="kept")
    OfferFactory(charity=charity, status=Offer.Status.PENDING)
    OfferFactory(
        charity=charity,
        valid_from=today - dt.timedelta(days=20),
        valid_until=today - dt.timedelta(days=1),
    )
    used_up = OfferFactory(charity=charity, quantity=1)
    allocation_confirm(offer=used_up, need=make_need(), by=bureau_staff)
    elsewhere, _user = charity_with_staff(county_b[0], name="鲤城区慈善会", username="licheng")
    OfferFactory(charity=elsewhere)
    assert [provider.pk for provider in offer_providers(county)] == [kept.pk]
    assert offer_providers(county)[0].region_prefixes == (county.code,)
    assert offer_providers(county)[0].tier_mask == (1 << len(TIERS)) - 1
