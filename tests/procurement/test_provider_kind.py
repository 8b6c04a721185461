"""A procured project as a kind of provider: what the referrals app learns of it through the hooks
procurement registers in ``bangfu.providers.kinds``, without importing procurement.

The project buys home care by the hour and resource-linking by the case, for two households of
its county.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bangfu.procurement import services
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.providers.kinds import ProviderUnavailable, kind_of, quota_households
from bangfu.providers.models import Provider
from bangfu.registry.models import ServiceCategory
from tests.factories import HouseholdFactory, NeedFactory, ProjectFactory, region_chain

from .conftest import YEAR

pytestmark = pytest.mark.django_db

CASE, OTHER_CASE = 501, 502


@pytest.fixture
def project(county, agency):
    return ProjectFactory(
        name="居家照料与资源链接",
        region=county,
        agency=agency,
        lines=[("home-care", 200), ("resource-linking-case", 10)],
        starts_on=dt.date(YEAR, 3, 1),
    )


@pytest.fixture
def kind(project):
    return kind_of(project.provider)


def category(code: str) -> ServiceCategory:
    return ServiceCategory.objects.get(code=code)


@pytest.fixture
def log(project, kind, agency_staff, household_a):
    """What the referrals app calls when the agency's staff log a session on a case."""

    def log(*, case=CASE, service="care", minutes=90, to=project, by=agency_staff, **extra):
        return kind.record_service(
            kind.profile(to.provider),
            case=case,
            by=by,
            household=extra.pop("household", household_a),
            category=category(service),
            held_on=extra.pop("held_on", dt.date(YEAR, 11, 2)),
            minutes=minutes,
        )

    return log


def test_the_kind_finds_the_project_behind_its_provider(project, kind):
    assert project.provider.kind == Provider.Kind.PROJECT
    assert kind.profile(Provider.objects.get(pk=project.provider_id)) == project
    assert kind.holds_slots is False
    assert kind.capacity(project) == 2  # households, not open cases


def test_a_project_takes_cases_only_while_under_way_within_its_contract(project, kind):
    assert kind.is_accepting(project, dt.date(YEAR, 11, 20))
    assert not kind.is_accepting(project, dt.date(YEAR, 2, 28))  # before the contract
    assert not kind.is_accepting(project, dt.date(YEAR + 1, 1, 1))  # after it
    project.status = Project.Status.APPROVED  # approved, not started
    assert not kind.is_accepting(project, dt.date(YEAR, 11, 20))


def test_it_serves_a_need_it_buys_in_its_area(project, kind, household_a):
    kind.check_serves(project, NeedFactory(household=household_a, category=category("care")))
    # 助餐 is bought through the parent line of 照料护理
    kind.check_serves(project, NeedFactory(household=household_a, category=category("meal-help")))


def test_it_refuses_a_household_outside_its_service_area(project, kind, county_b, in_english):
    far = HouseholdFactory(region=county_b[2])
    with pytest.raises(ProviderUnavailable) as refused:
        kind.check_serves(project, NeedFactory(household=far, category=category("care")))
    assert str(refused.value) == "The household lies outside the project's service area."


def test_a_named_service_area_narrows_the_buying_region(
    project, kind, county, household_a, in_english
):
    *_above, other_town, _village = region_chain("530428", "102", "201")
    project.service_area.set([other_town])
    with pytest.raises(ProviderUnavailable, match="outside the project's service area"):
        kind.check_serves(project, NeedFactory(household=household_a, category=category("care")))


def test_it_refuses_a_service_none_of_its_lines_buys(project, kind, household_a, in_english):
    need = NeedFactory(household=household_a, category=category("counselling"))
    with pytest.raises(ProviderUnavailable) as refused:
        kind.check_serves(project, need)
    assert str(refused.value) == f"{project} does not buy {need.category}."


def test_sessions_count_hours_against_the_line_that_buys_them(log):
    first, second = log(minutes=90), log(minutes=45)
    records = DeliveryRecord.objects.filter(pk__in=[first, second]).order_by("pk")
    assert [r.quantity for r in records] == [Decimal("1.50"), Decimal("0.75")]
    assert {r.line.item.code for r in records} == {"home-care"}
    assert {r.case for r in records} == {CASE}


def test_a_line_bought_per_case_counts_each_case_once(log):
    first = log(service="resource-linking")
    again = log(service="resource-linking")
    other = log(service="resource-linking", case=OTHER_CASE)

    assert first is not None and other is not None
    assert again is None  # the same case adds nothing to count
    linking = DeliveryRecord.objects.filter(line__item__code="resource-linking-case")
    assert sorted(linking.values_list("case", "quantity")) == [
        (CASE, Decimal("1.00")),
        (OTHER_CASE, Decimal("1.00")),
    ]
    # an hourly session on the same case still counts: the per-case rule is the line's
    assert log(service="care") is not None


def test_a_delivery_recorded_by_hand_belongs_to_no_case(project, staff, household_a):
    record = services.delivery_record(
        project=project,
        by=staff,
        line=project.lines.get(item__code="resource-linking-case"),
        delivered_on=dt.date(YEAR, 11, 2),
        quantity=Decimal("1"),
        household=household_a,
    )
    assert record.case is None


def test_only_the_agency_staff_record_what_the_project_delivered(log, staff, agency_staff):
    with pytest.raises(PermissionDenied):
        log(by=staff)
    assert not DeliveryRecord.objects.exists()
    assert log(by=agency_staff) is not None


def test_a_session_refuses_a_service_no_line_buys_and_a_day_outside_the_contract(log):
    with pytest.raises(ValidationError) as no_line:
        log(service="counselling")
    assert "category" in no_line.value.message_dict
    with pytest.raises(ValidationError) as too_early:
        log(held_on=dt.date(YEAR, 2, 1))
    assert "held_on" in too_early.value.message_dict
    assert not DeliveryRecord.objects.exists()


def test_served_households_are_those_its_deliveries_reached(
    log, project, kind, staff, county, agency, household_a
):
    other = ProjectFactory(region=county, agency=agency)
    reached = HouseholdFactory(region=household_a.region)
    log(household=household_a)
    log(household=household_a, case=OTHER_CASE)  # one household, two cases: counted once
    log(household=reached, to=other, case=OTHER_CASE + 1)
    services.delivery_record(  # a group activity: no household
        project=project,
        by=staff,
        line=project.lines.get(item__code="home-care"),
        delivered_on=dt.date(YEAR, 11, 3),
        quantity=Decimal("2"),
    )

    assert kind.served_households([project.provider_id, other.provider_id]) == {
        project.provider_id: {household_a.pk},
        other.provider_id: {reached.pk},
    }
    assert quota_households([project.provider_id])[project.provider_id] == {household_a.pk}


def test_creating_a_project_makes_its_provider_and_edits_keep_it_in_step(
    make_project, staff, county
):
    project = make_project(name="助餐送餐服务")
    provider = Provider.objects.get(project=project)
    assert (provider.kind, provider.name, provider.region) == ("project", "助餐送餐服务", county)

    town = county.children.get()
    services.project_update(project=project, by=staff, name="助餐送餐服务（二期）", region=town)
    provider.refresh_from_db()
    assert (provider.name, provider.region) == ("助餐送餐服务（二期）", town)
    assert Provider.objects.filter(kind="project").count() == 1


def test_a_refused_project_leaves_no_provider_behind(staff, county, agency, in_english):
    # refused after the provider was made: a project needs at least one line
    with pytest.raises(ValidationError, match="catalogue line"):
        services.project_create(
            by=staff,
            name="无内容的项目",
            region=county,
            agency=agency,
            starts_on=dt.date(YEAR, 3, 1),
            ends_on=dt.date(YEAR, 12, 31),
            lines=[],
        )
    assert not Provider.objects.exists() and not Project.objects.exists()


def test_sessions_are_logged_under_the_services_its_lines_buy(project, kind):
    allowed = set(kind.session_categories(project))
    assert {category(code).pk for code in ("care", "meal-help", "resource-linking")} <= allowed
    assert category("legal-aid").pk in allowed  # a child of 资源链接
    assert category("counselling").pk not in allowed


def test_the_session_log_says_what_each_session_counted(log, kind, project, in_english):
    hours, case = log(minutes=90), log(service="resource-linking")
    home_care, linking = (
        project.lines.get(item__code=code).item.name
        for code in ("home-care", "resource-linking-case")
    )
    assert kind.describe_records([hours, case]) == {
        hours: f"1.50 hour · {home_care}",
        case: f"1 case · {linking}",
    }
