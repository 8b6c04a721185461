"""The cap: percentage by level from the policy, Decimal arithmetic to the fen, never exceeded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from bangfu.accounts.models import Membership
from bangfu.procurement import services
from bangfu.procurement.models import FundingSource, LedgerEntry, ProcurementCap, Project
from bangfu.regions.models import PolicyValue, Region
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, member_of

from .conftest import YEAR

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def cap(region) -> ProcurementCap:
    return ProcurementCap.objects.get(region=region, year=YEAR)


def test_a_county_cap_is_four_percent_of_its_aid_fund_spending(funded):
    row = cap(funded)
    assert row.cap_pct == Decimal("4")
    assert row.base == "spending"
    assert row.cap_amount == Decimal("40000.00")
    assert row.headroom == Decimal("40000.00")


def test_a_commitment_exactly_at_the_cap_is_approved(funded, submitted, manager):
    project = submitted(quantity="1000", unit_price="40.00")  # 40,000.00
    services.project_approve(project=project, by=manager)
    row = cap(funded)
    assert row.committed_total == Decimal("40000.00")
    assert row.headroom == Decimal("0.00")
    assert Project.objects.get(pk=project.pk).status == Project.Status.APPROVED


def test_one_fen_over_the_cap_is_refused_with_the_headroom(funded, submitted, manager):
    project = submitted(quantity="1", unit_price="40000.01")
    with pytest.raises(services.CapExceeded) as refused:
        services.project_approve(project=project, by=manager)
    assert refused.value.headroom == Decimal("40000.00")
    assert "40,000.00" in refused.value.messages[0]
    assert cap(funded).committed_total == Decimal("0.00")
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED
    assert not LedgerEntry.objects.exists()


def test_commitments_add_up_and_the_last_fen_is_the_limit(funded, submitted, manager):
    services.project_approve(project=submitted(quantity="1", unit_price="39999.99"), by=manager)
    with pytest.raises(services.CapExceeded) as refused:
        services.project_approve(project=submitted(quantity="1", unit_price="0.02"), by=manager)
    assert refused.value.headroom == Decimal("0.01")
    services.project_approve(project=submitted(quantity="1", unit_price="0.01"), by=manager)
    assert cap(funded).committed_total == cap(funded).cap_amount == Decimal("40000.00")


def test_line_amounts_are_rounded_to_the_fen(make_project):
    # 3 × 33.335 cannot be a unit price (2 places); quantities carry 2 places too.
    project = make_project(quantity="2.50", unit_price="33.33")
    assert project.amount == Decimal("83.33")  # 83.325 rounds half up


def record(by, region, source=FundingSource.SUBSIDY, *, spent, budget=None, programme=""):
    return services.fund_set(
        by=by,
        region=region,
        year=YEAR,
        source=source,
        programme=programme,
        budget_amount=Decimal(budget if budget is not None else spent),
        spent_amount=Decimal(spent),
    )


def test_the_cap_rounds_down_never_up(county, staff):
    record(staff, county, spent="100000.99")
    assert cap(county).cap_amount == Decimal("4000.03")  # 4000.0396


def test_the_base_is_the_aid_funds_spending_and_nothing_else(county, staff):
    record(staff, county, spent="600000", budget="1200000", programme="dibao")
    record(staff, county, spent="300000", budget="400000", programme="tekun")
    # Work funds, the civil-affairs special funds and other funds pay for purchases but raise
    # no base (003: 困难群众救助资金总支出).
    record(staff, county, FundingSource.WORK_FUNDS, spent="100000")
    record(staff, county, FundingSource.CIVIL_AFFAIRS, spent="80000")
    record(staff, county, FundingSource.OTHER, spent="50000")
    assert cap(county).base_amount == Decimal("900000.00")
    assert cap(county).cap_amount == Decimal("36000.00")  # 4% of 900,000


def test_percentages_by_level_and_a_townships_funds_roll_up_to_its_county(county_a, staff):
    county, town, _village = county_a
    city = county.parent
    city_staff = UserFactory(username="city_staff")
    member_of(city_staff, OrganisationFactory(region=city), Membership.Role.BUREAU_STAFF)
    for region, by in ((city, city_staff), (county, staff), (town, staff)):
        record(by, region, spent="1000000")
    assert cap(city).cap_amount == Decimal("50000.00")  # the city's own funds only, 5%
    # The county's cap covers its townships: 4% of 2,000,000, and the township has no cap row.
    assert cap(county).base_amount == Decimal("2000000.00")
    assert cap(county).cap_amount == Decimal("80000.00")
    assert not ProcurementCap.objects.filter(region=town).exists()


def test_county_and_township_purchases_share_one_cap(funded, county_a, submitted, manager):
    town = county_a[1]
    services.project_approve(project=submitted(quantity="750"), by=manager)  # county: 30,000.00
    over = submitted(region=town, quantity="1", unit_price="10000.01")
    with pytest.raises(services.CapExceeded) as refused:
        services.project_approve(project=over, by=manager)
    assert refused.value.headroom == Decimal("10000.00")
    services.project_approve(
        project=submitted(region=town, quantity="1", unit_price="10000.00"), by=manager
    )
    assert cap(funded).committed_total == cap(funded).cap_amount == Decimal("40000.00")
    assert not ProcurementCap.objects.filter(region=town).exists()


def test_a_township_with_its_own_budget_has_its_own_cap(county_a, staff, manager, submitted):
    county, town, _village = county_a
    PolicyValue.objects.create(
        key="procurement_township_budget", region=town, year=YEAR, value="own"
    )
    record(staff, county, spent="1000000")
    record(staff, town, spent="250000")
    assert cap(county).cap_amount == Decimal("40000.00")  # the township's funds are not counted
    assert cap(town).cap_amount == Decimal("10000.00")
    services.project_approve(
        project=submitted(region=town, quantity="1", unit_price="10000.00"), by=manager
    )
    assert cap(town).committed_total == Decimal("10000.00")
    assert cap(county).committed_total == Decimal("0.00")


def test_a_county_may_give_its_townships_their_own_budgets_and_one_may_decline(county_a, staff):
    county, town, _village = county_a
    other_town = RegionFactory(
        code="530428200", name="另一镇", level=Region.Level.TOWNSHIP, parent=county
    )
    PolicyValue.objects.create(
        key="procurement_township_budget", region=county, year=2025, value="own"
    )
    PolicyValue.objects.create(
        key="procurement_township_budget", region=other_town, year=2025, value="own"
    )
    PolicyValue.objects.create(
        key="procurement_township_budget", region=other_town, year=YEAR, value="county"
    )
    record(staff, county, spent="1000000")
    record(staff, town, spent="250000")
    record(staff, other_town, spent="500000")
    # The county's choice holds for the first township; the other's latest word takes it back.
    assert cap(county).cap_amount == Decimal("60000.00")  # 4% of 1,000,000 + 500,000
    assert cap(town).cap_amount == Decimal("10000.00")
    assert not ProcurementCap.objects.filter(region=other_town).exists()


def test_a_province_override_reaches_its_counties(county_a, staff):
    county = county_a[0]
    province = county.parent.parent
    PolicyValue.objects.create(
        key="procurement_cap_county_pct", region=province, year=2025, value="3.5"
    )
    record(staff, county, spent="1000000")
    assert cap(county).cap_pct == Decimal("3.5")
    assert cap(county).cap_amount == Decimal("35000.00")


def test_a_region_may_plan_on_its_budget_until_spending_is_entered(county, staff):
    PolicyValue.objects.create(key="procurement_cap_base", region=county, year=YEAR, value="budget")
    record(staff, county, spent="0", budget="1000000")
    assert (cap(county).base, cap(county).cap_amount) == ("budget", Decimal("40000.00"))
    record(staff, county, spent="600000", budget="1000000")
    assert (cap(county).base, cap(county).cap_amount) == ("spending", Decimal("24000.00"))


def test_commitments_stay_when_spending_lowers_the_cap_and_new_ones_wait(
    county, staff, manager, submitted
):
    PolicyValue.objects.create(key="procurement_cap_base", region=county, year=YEAR, value="budget")
    record(staff, county, spent="0", budget="1000000")  # planned: 40,000.00
    project = services.project_approve(project=submitted(quantity="750"), by=manager)  # 30,000
    record(staff, county, spent="500000", budget="1000000")  # the cap falls to 20,000.00
    row = cap(county)
    assert (row.cap_amount, row.committed_total) == (Decimal("20000.00"), Decimal("30000.00"))
    assert row.over_by == Decimal("10000.00")
    with pytest.raises(services.CapExceeded) as refused:
        services.project_approve(project=submitted(quantity="1", unit_price="0.01"), by=manager)
    assert refused.value.headroom == Decimal("0.00")
    # Paid 12,000 and closed: 18,000 goes back, and 8,000 may be committed again.
    services.project_start(project=project, by=staff)
    services.payment_record(
        project=project, by=staff, amount=Decimal("12000.00"), paid_on=dt.date(YEAR, 5, 1)
    )
    services.project_close(project=project, by=staff)
    assert cap(county).headroom == Decimal("8000.00")
    services.project_approve(project=submitted(quantity="200"), by=manager)  # 8,000.00
    assert cap(county).headroom == Decimal("0.00")


def test_the_database_refuses_a_committed_total_above_the_limit(funded):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcurementCap.objects.filter(region=funded).update(
            committed_total=F("committed_limit") + Decimal("0.01")
        )
    # Positive control: exactly at the limit is a committed total the row may hold.
    ProcurementCap.objects.filter(region=funded).update(committed_total=F("committed_limit"))
    assert cap(funded).committed_total == Decimal("40000.00")


def test_closing_returns_the_unpaid_commitment_to_the_headroom(funded, submitted, manager, staff):
    project = services.project_approve(project=submitted(quantity="500"), by=manager)  # 20,000
    services.project_start(project=project, by=staff)
    services.payment_record(
        project=project, by=staff, amount=Decimal("12000.00"), paid_on=dt.date(YEAR, 5, 1)
    )
    services.project_close(project=project, by=staff)
    row = cap(funded)
    assert row.committed_total == Decimal("12000.00")
    assert row.paid_total == Decimal("12000.00")
    assert row.headroom == Decimal("28000.00")


def test_payments_never_exceed_the_commitment(funded, submitted, manager, staff):
    project = services.project_approve(project=submitted(quantity="100"), by=manager)  # 4,000
    services.payment_record(
        project=project, by=staff, amount=Decimal("3999.99"), paid_on=dt.date(YEAR, 4, 1)
    )
    with pytest.raises(ValidationError, match=r" 0\.01 "):
        services.payment_record(
            project=project, by=staff, amount=Decimal("0.02"), paid_on=dt.date(YEAR, 4, 2)
        )


def test_only_a_manager_of_the_region_approves(funded, submitted, staff, outsider_staff):
    project = submitted()
    with pytest.raises(PermissionDenied):
        services.project_approve(project=project, by=staff)
    with pytest.raises(PermissionDenied):
        services.project_submit(project=project, by=outsider_staff)


def test_every_transition_is_recorded_with_who(funded, submitted, manager, staff):
    project = services.project_approve(project=submitted(), by=manager)
    services.project_start(project=project, by=staff)
    steps = [(t.from_status, t.to_status, t.by) for t in project.events.all()]
    assert steps == [
        ("draft", "submitted", staff),
        ("submitted", "approved", manager),
        ("approved", "in_progress", staff),
    ]


def test_a_project_cannot_skip_a_status(funded, make_project, manager):
    with pytest.raises(services.InvalidTransition):
        services.project_approve(project=make_project(), by=manager)
