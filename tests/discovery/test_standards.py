"""The standards calculator: every standard from the policy in force, in Decimal, rounded to the
yuan as the documents publish them; a household's entitlement to the fen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.discovery.standards import household_entitlement, standards_for
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Member, Tier
from tests.discovery.conftest import TODAY, household


def test_every_standard_follows_the_minimum_wage_and_the_shares(place):
    standards = standards_for(place["village"], 2026)
    assert standards.minimum_wage == Decimal("1760")
    assert standards.dibao_standard == Decimal("792")  # 45%
    assert standards.dibao_range == (Decimal("739"), Decimal("845"))  # 42% and 48%
    assert standards.tekun_basic == Decimal("1030")  # 130% of 792 = 1,029.60
    assert standards.care == {
        "self": Decimal("176"),
        "semi": Decimal("440"),
        "full": Decimal("880"),
    }
    assert standards.institutional_basic == Decimal("1545")  # 150% of 1,030
    assert standards.tekun_institutional("full") == Decimal("2865")  # (1,030 + 880) × 150%
    assert standards.temporary_range == (Decimal("594"), Decimal("990"))  # ± 25%
    assert standards.work_deduction_pct == Decimal("25")
    assert standards.expenditure_ceiling == Decimal("1188.00")
    assert all(
        isinstance(value, Decimal)
        for value in (standards.dibao_standard, standards.tekun_basic, *standards.care.values())
    )


def test_standards_round_half_up_to_the_yuan(place):
    PolicyValue.objects.create(
        key="minimum_wage_monthly", region=place["town"], year=2026, value="1770"
    )
    standards = standards_for(place["village"], 2026)
    assert standards.dibao_from_share == Decimal("797")  # 796.50
    assert standards.dibao_standard == Decimal("797")
    assert standards_for(place["village"], 2025).dibao_standard == Decimal("792")


def test_a_standard_set_by_the_region_is_the_one_in_force(place):
    PolicyValue.objects.create(
        key="dibao_standard_monthly", region=place["county"], year=2026, value="700"
    )
    standards = standards_for(place["village"], 2026)
    assert standards.dibao_is_set and standards.dibao_standard == Decimal("700")
    assert standards.dibao_from_share == Decimal("792")
    assert not standards.standard_in_range  # below 42% of the minimum wage
    assert standards.tekun_basic == Decimal("910")


def test_the_dibao_top_up_deducts_the_cost_of_working(place):
    _home, members = household(
        place["village"],
        members=[
            {"birth": dt.date(1986, 1, 1), "income": "1000.00"},  # earns: 25% deducted
            {"birth": dt.date(1950, 1, 1), "income": "200.00", "work_ability": "none"},  # pension
            {"birth": dt.date(2015, 1, 1), "income": "0.00"},
        ],
    )
    result = household_entitlement(
        tier=Tier.DIBAO, members=members, standards=standards_for(place["village"], 2026), on=TODAY
    )
    assert result.deductions == Decimal("250.00")
    assert result.countable_per_person == Decimal("316.67")  # (1,200 − 250) / 3
    assert result.dibao_gap_per_person == Decimal("475.33")
    assert result.dibao_monthly == Decimal("1425.99")
    assert result.monthly == result.dibao_monthly


def test_destitute_support_adds_each_members_care_standard(place):
    _home, members = household(
        place["village"],
        tier=Tier.TEKUN,
        members=[{"care_level": Member.CareLevel.FULL}, {"care_level": Member.CareLevel.SELF}],
    )
    result = household_entitlement(
        tier=Tier.TEKUN, members=members, standards=standards_for(place["village"], 2026), on=TODAY
    )
    assert result.tekun_monthly == Decimal("3116.00")  # (1,030 + 880) + (1,030 + 176)
    assert result.monthly == Decimal("3116.00")


def test_the_calculator_page(place, bureau, client):
    home, _members = household(place["village"], tier=Tier.DIBAO, income="300.00")
    client.force_login(bureau)
    response = client.get(
        reverse("discovery:standards"),
        {"region": place["county"].pk, "year": 2026, "household": home.registry_number},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "792.00" in body and "1,030.00" in body and "594.00 – 990.00" in body
    # One member aged 56 earning 300: 225 countable after the 25% work-cost deduction.
    assert response.context["entitlement"].dibao_monthly == Decimal("567.00")


@pytest.mark.parametrize("user", ["other_assistant", "outsider"])
def test_the_calculator_shows_no_household_outside_the_users_area(
    place, other_assistant, outsiders, client, user
):
    home, _members = household(place["village"], tier=Tier.DIBAO)
    client.force_login(other_assistant if user == "other_assistant" else outsiders[0])
    response = client.get(
        reverse("discovery:standards"),
        {"region": place["other_town"].pk, "year": 2026, "household": home.registry_number},
    )
    if user == "outsider":
        assert response.status_code == 403
    else:
        body = response.content.decode()
        assert response.status_code == 200 and response.context["standards"] is not None
        assert response.context["entitlement"] is None
        assert f"No household {home.registry_number} in this region." in body
