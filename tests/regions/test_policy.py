import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from bangfu.discovery import policy as discovery
from bangfu.procurement import policy as procurement
from bangfu.procurement.policy import cap_pct
from bangfu.referrals import policy as referrals
from bangfu.regions import migration_ops
from bangfu.regions.models import PolicyValue
from bangfu.regions.policy import PARAMETERS, Parameter, Policy, PolicyNotSet, register_parameters
from bangfu.registry import policy as registry
from bangfu.registry.policy import dibao_standard
from tests.factories import region_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return region_chain("530428", "101", "201")


def test_national_defaults_come_from_the_documents(chain):
    *_above, county, town, _village = chain
    assert cap_pct(Policy(county, 2026)) == Decimal("4")
    assert cap_pct(Policy(county.parent, 2026)) == Decimal("5")
    assert cap_pct(Policy(town, 2026)) == Decimal("4")
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
    assert dibao_standard(Policy(county, 2025)) == Decimal("600")
    assert dibao_standard(Policy(county, 2026)) == Decimal("680")


def test_the_dibao_standard_follows_the_minimum_wage_share_when_not_set(chain):
    county = chain[2]
    PolicyValue.objects.create(key="minimum_wage_monthly", region=county, year=2026, value="1700")
    # National default share: 45% of the minimum wage.
    assert dibao_standard(Policy(county, 2026)) == Decimal("765")


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


def test_each_app_declares_the_parameters_it_reads():
    # The regions app holds values; their meaning comes from the app that reads them.
    assert PARAMETERS["referral_accept_days"] is referrals.PARAMETERS["referral_accept_days"]
    assert PARAMETERS["procurement_cap_base"].choices == ("spending", "budget")
    assert set(PARAMETERS) == {
        *registry.PARAMETERS,
        *referrals.PARAMETERS,
        *procurement.PARAMETERS,
        *discovery.PARAMETERS,
    }
    defaults = json.loads(migration_ops.DATA.read_text(encoding="utf-8"))["values"]
    assert set(defaults) <= set(PARAMETERS)
    with pytest.raises(ImproperlyConfigured):
        register_parameters({"referral_accept_days": Parameter("another meaning", "count")})


def test_a_value_outside_the_parameters_range_is_refused_with_the_range(chain, in_english):
    county = chain[2]
    cap = PolicyValue(key="procurement_cap_county_pct", region=county, year=2026, value="120")
    with pytest.raises(ValidationError, match=r"120 is out of range \(0-100\)"):
        cap.full_clean()
    cap.value = "4.5"
    cap.full_clean()  # positive control
    assert PARAMETERS["procurement_cap_county_pct"].unit == "%"
    assert PARAMETERS["visit_interval_months"].range == (1, 120)
