"""The standards calculator: every standard from the policy in force, in Decimal, rounded to the
yuan as the documents publish them; each member's entitlement to the fen.

The county's minimum wage is 1,760 yuan and the (urban) dibao standard 45% of it, 792 yuan."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.discovery.figures import (
    PANEL_TEMPLATE,
    entitlement_figures,
    entitlement_panel,
    figure_rows,
)
from bangfu.discovery.standards import household_entitlement, standards_for
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Coverage, HouseholdTier, Member, Residence
from tests.discovery.conftest import TODAY, household

TEKUN = Coverage.TEKUN
SINGLE = Coverage.SINGLE_DIBAO


def rural_standard(place, value: str) -> None:
    PolicyValue.objects.create(
        key="dibao_standard_rural_monthly", region=place["county"], year=2026, value=value
    )


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
    assert standards.asset_limit == Decimal("19008")  # 24 × 792, the national default
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


def test_without_a_rural_standard_town_and_country_share_one(place):
    urban = standards_for(place["village"], 2026)
    rural = standards_for(place["village"], 2026, residence=Residence.RURAL)
    assert rural.dibao_standard == urban.dibao_standard == Decimal("792")
    assert not rural.dibao_is_set
    assert urban.urban_rural_ratio == Decimal("1.00") and urban.ratio_within_target


def test_a_rural_standard_moves_every_rural_amount_and_the_ratio(place):
    rural_standard(place, "660")
    urban = standards_for(place["village"], 2026)
    rural = standards_for(place["village"], 2026, residence=Residence.RURAL)
    assert urban.dibao_standard == Decimal("792")
    assert rural.dibao_is_set and rural.dibao_standard == Decimal("660")
    assert rural.tekun_basic == Decimal("858")  # 130% of 660
    assert rural.tekun_dispersed("self") == Decimal("1034")  # 858 + 176 (care: minimum wage)
    assert rural.temporary_range == (Decimal("495"), Decimal("825"))  # 660 ± 25%
    assert rural.asset_limit == Decimal("15840")  # 24 × 660
    # 001: 「城乡低保平均标准之比达到1.3:1以内」: 792 / 660 = 1.20.
    assert urban.urban_rural_ratio == rural.urban_rural_ratio == Decimal("1.20")
    assert urban.ratio_target == Decimal("1.30") and urban.ratio_within_target


def test_the_households_residence_picks_its_standard(place):
    rural_standard(place, "660")
    people = [{"personal_status": TEKUN, "care_level": Member.CareLevel.SELF}]
    town, _m = household(place["village"], residence=Residence.URBAN, members=people)
    country, _m = household(place["village"], residence=Residence.RURAL, members=people)
    assert household_entitlement(town, on=TODAY).monthly == Decimal("1206.00")  # 1,030 + 176
    assert household_entitlement(country, on=TODAY).monthly == Decimal("1034.00")  # 858 + 176


def four_with_one_destitute(place, **fields):
    """Grandmother 特困 (full care), two working-age parents, a child of 14; urban, 低保."""
    return household(
        place["village"],
        residence=Residence.URBAN,
        household_tier=HouseholdTier.DIBAO,
        members=[
            {
                "birth": dt.date(1948, 5, 1),
                "income": "150.00",
                "personal_status": TEKUN,
                "care_level": Member.CareLevel.FULL,
                "work_ability": Member.WorkAbility.NONE,
            },
            {"birth": dt.date(1980, 1, 1), "income": "1600.00", "is_employed": True},
            {"birth": dt.date(1982, 1, 1), "income": "300.00"},  # odd jobs, not employed
            {"birth": dt.date(2012, 1, 1), "income": "0.00"},
        ],
        **fields,
    )


def test_a_destitute_member_gets_support_and_the_others_the_households_dibao(place):
    home, (grandmother, father, mother, child) = four_with_one_destitute(place)
    result = household_entitlement(home, on=TODAY)
    # By hand, urban standard 792:
    # - grandmother (特困, full care): basic 130% × 792 = 1,029.60 → 1,030; care 50% × 1,760
    #   = 880; dispersed support 1,910.00. She is left out of the household's 低保: her 150
    #   and her head do not count.
    # - the other three: income 1,600 + 300 + 0 = 1,900; only the employed father's work cost
    #   is deducted, 25% × 1,600 = 400; countable (1,900 − 400) / 3 = 500.00 per person;
    #   gap 792 − 500 = 292.00 each; the household is 低保 by decision: top-up 3 × 292 = 876.00.
    # - total 1,910 + 876 = 2,786.00 (not 特困 support for all four: 4 × ~1,900).
    lines = {line.member.pk: line for line in result.lines}
    assert set(lines) == {grandmother.pk, father.pk, mother.pk, child.pk}
    assert lines[grandmother.pk].basis == TEKUN
    assert lines[grandmother.pk].standard == Decimal("1030")
    assert lines[grandmother.pk].care == Decimal("880")
    assert lines[grandmother.pk].monthly == Decimal("1910.00")
    assert result.size == 3
    assert result.income == Decimal("1900.00") and result.deductions == Decimal("400.00")
    assert lines[father.pk].deduction == Decimal("400.00")
    assert lines[mother.pk].deduction == Decimal("0.00")
    assert result.countable_per_person == Decimal("500.00")
    assert result.qualifies_by == "decision"
    for member in (father, mother, child):
        assert lines[member.pk].basis == Coverage.DIBAO
        assert lines[member.pk].monthly == Decimal("292.00")
    assert result.dibao_monthly == Decimal("876.00")
    assert result.tekun_monthly == Decimal("1910.00")
    assert result.monthly == Decimal("2786.00")


def test_only_an_employed_member_of_working_age_has_the_cost_of_working_deducted(place):
    home, (employed, earning, retired) = household(
        place["village"],
        residence=Residence.URBAN,
        household_tier=HouseholdTier.NONE,
        members=[
            {"birth": dt.date(1985, 1, 1), "income": "1000.00", "is_employed": True},
            {"birth": dt.date(1987, 1, 1), "income": "1000.00"},
            {"birth": dt.date(1960, 1, 1), "income": "400.00", "is_employed": True},  # 66
        ],
    )
    result = household_entitlement(home, on=TODAY)
    lines = {line.member.pk: line for line in result.lines}
    assert lines[employed.pk].deduction == Decimal("250.00")  # 25% of 1,000
    assert lines[earning.pk].deduction == Decimal("0.00")  # earns, but is not employed
    assert lines[retired.pk].deduction == Decimal("0.00")  # past working age
    # (2,400 − 250) / 3 = 716.67 < 792: the calculation qualifies it; 75.33 each.
    assert result.countable_per_person == Decimal("716.67")
    assert result.qualifies_by == "calculation"
    assert result.dibao_monthly == Decimal("225.99")


def test_a_household_above_the_standard_gets_no_dibao(place):
    home, _members = household(
        place["village"],
        residence=Residence.URBAN,
        household_tier=HouseholdTier.MARGINAL,
        members=[{"income": "900.00"}, {"income": "800.00"}],
    )
    result = household_entitlement(home, on=TODAY)
    assert result.countable_per_person == Decimal("850.00")  # above 792
    assert result.qualifies_by == ""
    assert {line.basis for line in result.lines} == {Coverage.NONE}
    assert result.monthly == Decimal("0.00")


def test_a_single_person_dibao_member_is_a_household_of_one(place):
    home, (disabled, earner, spouse) = household(
        place["village"],
        household_tier=HouseholdTier.MARGINAL,
        members=[
            {
                "birth": dt.date(1975, 1, 1),
                "income": "100.00",
                "personal_status": SINGLE,
                "disability": Member.Disability.PHYSICAL,
                "disability_grade": 1,
            },
            {"birth": dt.date(1974, 1, 1), "income": "1500.00"},
            {"birth": dt.date(1976, 1, 1), "income": "800.00"},
        ],
    )
    result = household_entitlement(home, on=TODAY)
    lines = {line.member.pk: line for line in result.lines}
    # Rural, no rural standard set: 792. Alone: 792 − 100 = 692.00. The other two:
    # (1,500 + 800) / 2 = 1,150.00, above the standard: a 边缘 household gets no 低保.
    assert lines[disabled.pk].basis == SINGLE
    assert lines[disabled.pk].monthly == Decimal("692.00")
    assert result.size == 2 and result.countable_per_person == Decimal("1150.00")
    assert lines[earner.pk].monthly == lines[spouse.pk].monthly == Decimal("0.00")
    assert result.single_dibao_monthly == result.monthly == Decimal("692.00")


@pytest.mark.parametrize(
    ("assets", "per_person", "passes", "qualifies_by"),
    [
        # Limit 24 × 792 = 19,008 per person; two members.
        ("30000.00", Decimal("15000.00"), True, "calculation"),
        ("40000.00", Decimal("20000.00"), False, ""),
        (None, None, None, "calculation"),
    ],
)
def test_the_asset_test_per_person(place, assets, per_person, passes, qualifies_by):
    home, _members = household(
        place["village"],
        residence=Residence.URBAN,
        household_tier=HouseholdTier.NONE,
        financial_assets=None if assets is None else Decimal(assets),
        members=[{"income": "300.00"}, {"income": "0.00"}],
    )
    result = household_entitlement(home, on=TODAY)
    if assets is None:
        assert result.assets is None
    else:
        assert result.assets.per_person == per_person
        assert result.assets.limit == Decimal("19008")
        assert result.assets.passes is passes
    # Income 150 per person is below 792; assets above the limit keep the calculation from
    # qualifying the household.
    assert result.qualifies_by == qualifies_by


def test_the_asset_test_divides_by_the_members_of_the_dibao_computation(place):
    """A 特困 member is left out of the 低保 computation, of its income and of its assets per
    person alike: 30,000 over the one other member is 30,000, above 19,008 (over both it would
    be 15,000 and pass)."""
    home, _members = household(
        place["village"],
        residence=Residence.URBAN,
        household_tier=HouseholdTier.NONE,
        financial_assets=Decimal("30000.00"),
        members=[{"income": "300.00"}, {"personal_status": TEKUN}],
    )
    result = household_entitlement(home, on=TODAY)
    assert (result.size, result.assets.size) == (1, 1)
    assert result.assets.per_person == Decimal("30000.00")
    assert result.assets.passes is False
    assert result.qualifies_by == ""


def test_the_dibao_share_is_rounded_once_from_the_unrounded_income(place):
    """Countable income 0.01 over two is 0.005 a person: the share is 792 − 0.005 = 791.995,
    to the fen 792.00 — rounding the income first (0.01) would give 791.99. The income per
    person shown is to the fen."""
    home, _members = household(
        place["village"],
        residence=Residence.URBAN,
        household_tier=HouseholdTier.DIBAO,
        members=[{"income": "0.01"}, {"income": "0.00"}],
    )
    result = household_entitlement(home, on=TODAY)
    assert result.countable_per_person == Decimal("0.01")
    assert result.dibao_gap_per_person == Decimal("792.00")
    assert result.dibao_monthly == Decimal("1584.00")


def test_the_households_income_per_person_rounds_half_up(place):
    home, _members = household(place["village"], members=[{"income": "1.01"}, {"income": "0.00"}])
    assert home.monthly_income_per_person() == Decimal("0.51")  # 0.505, half up (not 0.50)


def test_the_figures_a_decision_keeps_are_strings(place):
    home, (grandmother, father, *_rest) = four_with_one_destitute(
        place, financial_assets=Decimal("100000.00")
    )
    figures = entitlement_figures(home, TODAY)
    assert json.loads(json.dumps(figures)) == figures
    assert all(isinstance(value, str) for value in figures.values())
    assert figures["residence"] == "urban" and figures["dibao_standard"] == "792"
    assert figures["countable_per_person"] == "500.00"
    assert figures["monthly"] == "2786.00"
    assert figures["asset_test"] == "fail"  # 25,000 per person against 19,008
    assert figures[f"member.{grandmother.pk}.basis"] == "tekun"
    assert figures[f"member.{grandmother.pk}.monthly"] == "1910.00"
    assert figures[f"member.{father.pk}.name"] == father.masked_name
    rows = figure_rows(figures)
    assert ("asset test", "failed") in rows
    assert (f"{grandmother.masked_name} · computed as", "destitute (特困)") in rows
    assert grandmother.name not in json.dumps(figures, ensure_ascii=False)


def test_the_calculator_page_shows_urban_and_rural_and_the_ratio(place, bureau, client):
    rural_standard(place, "600")  # 792 / 600 = 1.32, above 001's 1.3
    home, _members = household(
        place["village"],
        residence=Residence.RURAL,
        household_tier=HouseholdTier.DIBAO,
        members=[{"birth": dt.date(1970, 3, 4), "income": "300.00"}],
    )
    client.force_login(bureau)
    response = client.get(
        reverse("discovery:standards"),
        {"region": place["county"].code, "year": 2026, "household": home.registry_number},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "792.00" in body and "600.00" in body and "1,030.00" in body and "780.00" in body
    assert "1.32 : 1" in body and "target within 1.30 : 1 (001)" in body
    assert "above the target" in body
    # Rural, alone, not employed: 600 − 300 = 300.00 (no deduction).
    entitlement = response.context["entitlement"]
    assert entitlement.standards.dibao_standard == Decimal("600")
    assert entitlement.dibao_monthly == Decimal("300.00")


@pytest.mark.parametrize("user", ["other_assistant", "outsider"])
def test_the_calculator_shows_no_household_outside_the_users_area(
    place, other_assistant, outsiders, client, user
):
    home, _members = household(place["village"], household_tier=HouseholdTier.DIBAO)
    client.force_login(other_assistant if user == "other_assistant" else outsiders[0])
    response = client.get(
        reverse("discovery:standards"),
        {"region": place["other_town"].code, "year": 2026, "household": home.registry_number},
    )
    if user == "outsider":
        assert response.status_code == 403
    else:
        body = response.content.decode()
        assert response.status_code == 200 and response.context["standards"] is not None
        assert response.context["entitlement"] is None
        assert f"No household {home.registry_number} in this region." in body


def test_the_household_page_shows_each_members_entitlement(place, assistant, client):
    home, (grandmother, *_rest) = four_with_one_destitute(place)
    client.force_login(assistant)
    response = client.get(reverse("registry:household-detail", args=[home.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="entitlement"' in body and "Indicative entitlement" in body
    assert "1,910.00" in body and "292.00" in body and "2,786.00" in body
    assert "500.00 yuan/month" in body  # countable income per person
    assert "no asset data" in body
    assert "The benefits system decides what is paid." in body
    assert grandmother.masked_name in body


def test_the_household_page_and_its_panel_are_not_shown_outside_the_area(
    place, assistant, other_assistant, client
):
    home, _members = four_with_one_destitute(place)
    # The panel itself answers only for a reader of the household.
    assert entitlement_panel(home, assistant)[0] == PANEL_TEMPLATE
    assert entitlement_panel(home, other_assistant) is None
    client.force_login(other_assistant)
    response = client.get(reverse("registry:household-detail", args=[home.pk]))
    assert response.status_code == 404
