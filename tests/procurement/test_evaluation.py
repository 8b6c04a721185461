"""Evaluation (绩效评价) on a hand-computed fixture.

Project: 4 target households, contract from 2026-03-01; lines home care 100 h × 40 = 4,000 and
care visits 50 × 60 = 3,000, amount 7,000.00. Deliveries:
  03-11 home care 30 h to a 特困 household, rated 5   (value 1,200)
  03-20 home care 20 h to a 低保 household, rated 4   (value   800)
  04-01 care visits 25 to a marginal household, rated 3 (value 1,500)
  04-10 care visits 5, no household                   (value   300)
Paid 2,100.00.

coverage      3 / 4                                  = 75.00 %  → 75.00
timeliness    10 days; full ≤ 7, none ≥ 60: 100 × 50 / 53  → 94.34
completion    (50 × 40 + 30 × 60) / 7,000 = 3,800 / 7,000 = 54.29 %  → 54.29
satisfaction  (5 + 4 + 3) / 3 = 4.00                       → 80.00
cost          2,100 / 3 = 700.00; planned 7,000 / 4 = 1,750 → 100.00
priority      (1,200 + 800) / 3,500 = 57.14 %              → 57.14
indicator score (weights 20/10/25/20/10/15): 7,257.75 / 100 = 72.58
form: 80×25 + 90×30 + 70×25 + 100×10 + 60×10 = 8,050 / 100 = 80.50
final: 72.58 × 0.6 + 80.50 × 0.4 = 75.748 → 75.75, grade 合格 (pass).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bangfu.procurement import services
from bangfu.procurement.models import CatalogueItem, EvaluationScheme, FundingSource, Grade
from bangfu.registry.models import Tier
from tests.factories import NOTICE, HouseholdFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

FORM = {
    "management": Decimal("80"),
    "service-quality": Decimal("90"),
    "finance": Decimal("70"),
    "records": Decimal("100"),
    "social-impact": Decimal("60"),
}


@pytest.fixture
def project(funded, county_a, staff, manager, agency, home_care):
    village = county_a[2]
    visits = CatalogueItem.objects.get(code="care-visit")
    project = services.project_create(
        by=staff,
        name="居家照料与关爱探访",
        region=funded,
        agency=agency,
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 12, 31),
        target_households=4,
        target_hours=100,
        lines=[
            {
                "item": home_care,
                "quantity": Decimal("100"),
                "funding_source": FundingSource.WORK_FUNDS,
            },
            {"item": visits, "quantity": Decimal("50"), "funding_source": FundingSource.WORK_FUNDS},
        ],
        **NOTICE,
    )
    services.project_submit(project=project, by=staff)
    services.project_approve(project=project, by=manager)
    services.project_start(project=project, by=staff)
    care, visit = project.lines.order_by("pk")
    tekun, dibao, marginal = (
        HouseholdFactory(region=village, tier=tier)
        for tier in (Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL)
    )
    for line, day, quantity, household, rating in (
        (care, dt.date(2026, 3, 11), "30", tekun, 5),
        (care, dt.date(2026, 3, 20), "20", dibao, 4),
        (visit, dt.date(2026, 4, 1), "25", marginal, 3),
        (visit, dt.date(2026, 4, 10), "5", None, None),
    ):
        services.delivery_record(
            project=project,
            by=staff,
            line=line,
            delivered_on=day,
            quantity=Decimal(quantity),
            household=household,
            satisfaction=rating,
        )
    services.payment_record(
        project=project, by=staff, amount=Decimal("2100.00"), paid_on=dt.date(2026, 4, 15)
    )
    return project


def test_the_indicators_match_the_hand_computation(project, staff):
    evaluation = services.evaluation_record(
        project=project, by=staff, evaluated_on=dt.date(2026, 11, 1), scores=FORM
    )
    scores = {code: data["score"] for code, data in evaluation.indicators.items()}
    values = {code: data["value"] for code, data in evaluation.indicators.items()}
    assert scores == {
        "coverage": "75.00",
        "timeliness": "94.34",
        "completion": "54.29",
        "satisfaction": "80.00",
        "cost": "100.00",
        "priority_share": "57.14",
    }
    assert values["timeliness"] == "10"
    assert values["cost"] == "700.00"
    assert values["satisfaction"] == "4.00"
    assert evaluation.indicator_score == Decimal("72.58")
    assert evaluation.form_score == Decimal("80.50")
    assert evaluation.final_score == Decimal("75.75")
    assert evaluation.grade == Grade.PASS


def test_the_project_page_figures_agree(project):
    assert project.amount == Decimal("7000.00")
    assert project.delivered_value() == Decimal("3800.00")
    assert project.households_served() == 3
    delivered = {row.line.item.code: row.delivered for row in project.delivery_by_line()}
    assert delivered == {"home-care": Decimal("50.00"), "care-visit": Decimal("30.00")}


def test_grade_thresholds_are_parameters(project, staff, county_a):
    # A county scheme with a lower bar for 良好 (good): the same scores now grade "good".
    default = EvaluationScheme.objects.get(region=None)
    county_scheme = EvaluationScheme.objects.create(
        name="县方案", region=county_a[0], year=2026, good_min=Decimal("75"), pass_min=Decimal("60")
    )
    for criterion in default.criteria.all():
        county_scheme.criteria.create(
            code=criterion.code, name=criterion.name, weight=criterion.weight
        )
    evaluation = services.evaluation_record(
        project=project, by=staff, evaluated_on=dt.date(2026, 11, 1), scores=FORM
    )
    assert evaluation.scheme == county_scheme
    assert evaluation.grade == Grade.GOOD


def test_unmeasurable_indicators_give_their_weight_to_the_others(funded, submitted, manager, staff):
    project = services.project_approve(project=submitted(), by=manager)
    services.project_start(project=project, by=staff)
    evaluation = services.evaluation_record(
        project=project, by=staff, evaluated_on=dt.date(2026, 11, 1), scores=FORM
    )
    # No target, no rating, nothing paid or delivered: only timeliness (0) and completion (0)
    # and the evaluator's form count.
    assert evaluation.indicators["coverage"]["score"] is None
    assert evaluation.indicators["timeliness"]["score"] == "0.00"
    assert evaluation.indicator_score == Decimal("0.00")
    assert evaluation.final_score == Decimal("32.20")
    assert evaluation.grade == Grade.FAIL


def test_every_criterion_must_be_scored(project, staff):
    with pytest.raises(ValidationError):
        services.evaluation_record(
            project=project, by=staff, evaluated_on=dt.date(2026, 11, 1), scores={"records": 90}
        )
