from decimal import Decimal

import pytest

from bangfu.regions.models import PolicyValue
from bangfu.regions.policy import Policy, PolicyNotSet
from tests.factories import region_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return region_chain("530428", "101", "201")


def test_national_defaults_come_from_the_documents(chain):
    *_above, county, town, _village = chain
    assert Policy(county, 2026).procurement_cap_pct() == Decimal("4")
    assert Policy(county.parent, 2026).procurement_cap_pct() == Decimal("5")
    assert Policy(town, 2026).procurement_cap_pct() == Decimal("4")
    assert Policy(town, 2026)["tekun_basic_pct_of_dibao"] == Decimal("130")


def test_the_nearest_ancestor_that_sets_a_value_wins(chain):
    province, city, county, _town, village = chain
    PolicyValue.objects.create(key="minimum_wage_monthly", region=province, year=2024, value="1690")
    PolicyValue.objects.create(key="minimum_wage_monthly", region=county, year=2025, value="1750")
    assert Policy(village, 2026)["minimum_wage_monthly"] == Decimal("1750")
    assert Policy(city, 2026)["minimum_wage_monthly"] == Decimal("1690")
    # Before the county's own value came into force, the province's applies.
    assert Policy(village, 2024)["minimum_wage_monthly"] == Decimal("1690")


def test_a_later_year_replaces_an_earlier_one_at_the_same_region(chain):
    county = chain[2]
    PolicyValue.objects.create(key="dibao_standard_monthly", region=county, year=2024, value="600")
    PolicyValue.objects.create(key="dibao_standard_monthly", region=county, year=2026, value="680")
    assert Policy(county, 2025).dibao_standard() == Decimal("600")
    assert Policy(county, 2026).dibao_standard() == Decimal("680")


def test_the_dibao_standard_follows_the_minimum_wage_share_when_not_set(chain):
    county = chain[2]
    PolicyValue.objects.create(key="minimum_wage_monthly", region=county, year=2026, value="1700")
    # National default share: 45% of the minimum wage.
    assert Policy(county, 2026).dibao_standard() == Decimal("765")


def test_a_parameter_nobody_set_says_where_it_was_looked_for(chain):
    village = chain[4]
    with pytest.raises(PolicyNotSet, match="minimum_wage_monthly"):
        Policy(village, 2026)["minimum_wage_monthly"]


def test_a_policy_is_read_with_one_query(chain, django_assert_num_queries):
    village = chain[4]
    with django_assert_num_queries(1):
        policy = Policy(village, 2026)
        assert policy["visit_interval_months"] == 1
        assert policy["priority_weights"]["tier"]["tekun"] == 40
