"""Staff pages: scoped to the bureau's region, roles enforced, the cap's headroom on the page."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.procurement import services
from bangfu.procurement.indicators import LABELS
from bangfu.procurement.models import CatalogueItem, FundingSource, Project
from tests.factories import HouseholdFactory, OrganisationFactory, UserFactory, member_of

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def detail(project) -> str:
    return reverse("procurement:project-detail", args=[project.pk])


def action(project, name) -> str:
    return reverse("procurement:project-action", args=[project.pk, name])


@pytest.fixture
def approved(funded, submitted, manager):
    return services.project_approve(project=submitted(name="困境儿童关爱服务"), by=manager)


@pytest.fixture
def station_staff(county_a):
    user = UserFactory(username="station_a")
    station = OrganisationFactory(kind=Organisation.Kind.STATION, region=county_a[1])
    member_of(user, station, Membership.Role.STATION_STAFF)
    return user


def test_the_dashboard_shows_the_bureau_its_cap_and_projects(client, staff, approved):
    client.force_login(staff)
    response = client.get(reverse("procurement:dashboard"), {"year": YEAR})
    content = response.content.decode()
    assert response.status_code == 200
    assert "困境儿童关爱服务" in content
    assert "40,000.00" in content  # the cap
    assert "36,000.00" in content  # its headroom after 4,000.00 committed
    assert "<svg" in content


def test_another_county_sees_neither_the_cap_nor_the_projects(client, outsider_staff, approved):
    client.force_login(outsider_staff)
    dashboard = client.get(reverse("procurement:dashboard"), {"year": YEAR})
    assert dashboard.status_code == 200
    assert "困境儿童关爱服务" not in dashboard.content.decode()
    assert "40,000.00" not in dashboard.content.decode()
    listing = client.get(reverse("procurement:project-list"))
    assert "困境儿童关爱服务" not in listing.content.decode()
    assert client.get(detail(approved)).status_code == 404


def test_a_city_sees_its_counties_side_by_side(client, county_a, approved):
    city = county_a[0].parent
    city_staff = UserFactory(username="city_a")
    member_of(city_staff, OrganisationFactory(region=city), Membership.Role.BUREAU_STAFF)
    client.force_login(city_staff)
    response = client.get(reverse("procurement:dashboard"), {"year": YEAR, "region": city.pk})
    content = response.content.decode()
    assert city.name in content and county_a[0].name in content
    assert "困境儿童关爱服务" in content


def test_people_without_a_bureau_role_are_refused(client, station_staff, approved):
    client.force_login(station_staff)
    refused = client.get(reverse("procurement:dashboard"))
    assert refused.status_code == 403
    assert 'href="/staff/procurement/"' not in refused.content.decode()  # nor offered it
    assert client.get(detail(approved)).status_code == 403


def test_the_navigation_leads_bureau_staff_to_procurement(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("procurement:dashboard")).content.decode()
    assert 'href="/staff/procurement/" aria-current="page"' in page


def test_anonymous_visitors_are_sent_to_log_in(client, approved):
    response = client.get(detail(approved))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_auditor_reads_but_cannot_act(client, auditor, funded, submitted):
    project = submitted()
    client.force_login(auditor)
    page = client.get(detail(project))
    assert page.status_code == 200
    assert 'name="approve-project"' not in page.content.decode()
    assert client.post(action(project, "approve")).status_code == 403
    assert client.get(reverse("procurement:project-create")).status_code == 403
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED


def test_staff_cannot_approve_their_own_submission(client, staff, funded, submitted):
    project = submitted()
    client.force_login(staff)
    assert client.post(action(project, "approve")).status_code == 403


def test_approval_over_the_cap_is_refused_with_the_headroom_in_the_page(
    client, manager, funded, submitted
):
    project = submitted(quantity="1000", unit_price="40.01")  # 40,010.00 > 40,000.00
    client.force_login(manager)
    response = client.post(action(project, "approve"))
    content = response.content.decode()
    assert response.status_code == 409
    errors = content[content.index('id="action-errors"') :][:600]
    assert "40,000.00" in errors  # the headroom
    assert "40,010.00" in errors  # what was asked
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED


def test_a_draft_and_a_submission_over_the_headroom_are_warned(
    client, staff, manager, funded, make_project, submitted
):
    services.project_approve(project=submitted(quantity="750"), by=manager)  # 30,000.00 used
    over = make_project(name="助餐送餐服务", quantity="251")  # 10,040.00 > 10,000.00 left
    client.force_login(staff)
    draft = client.get(detail(over)).content.decode()
    assert 'id="headroom-warning"' in draft
    assert "10,040.00" in draft and "10,000.00" in draft and "40.00" in draft
    client.post(action(over, "submit"))
    assert 'id="headroom-warning"' in client.get(detail(over)).content.decode()
    # Positive control: a project that fits is not warned.
    fits = make_project(name="心理疏导", quantity="250")  # 10,000.00
    assert 'id="headroom-warning"' not in client.get(detail(fits)).content.decode()


def test_approval_under_the_cap_commits_and_shows_the_new_headroom(
    client, manager, funded, submitted
):
    project = submitted(quantity="250")  # 10,000.00
    client.force_login(manager)
    response = client.post(action(project, "approve"), follow=True)
    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).status == Project.Status.APPROVED
    assert "30,000.00" in response.content.decode()


def test_staff_create_a_project_from_the_form(client, staff, county, agency):
    client.force_login(staff)
    care = CatalogueItem.objects.get(code="home-care")
    escort = CatalogueItem.objects.get(code="hospital-escort")
    data = {
        "name": "送医陪护与照料",
        "region": county.pk,
        "agency": agency.pk,
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "target_households": "30",
        "target_hours": "500",
        "description": "",
        "procurement_method": "competitive_consultation",
        "contract_number": "YJMZ-FW-2026-004",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": care.pk,
        "lines-0-quantity": "500",
        "lines-0-unit_price": "",
        "lines-0-funding_source": FundingSource.WORK_FUNDS,
        "lines-1-item": escort.pk,
        "lines-1-quantity": "20",
        "lines-1-unit_price": "140.50",
        "lines-1-funding_source": FundingSource.SUBSIDY,
    }
    response = client.post(reverse("procurement:project-create"), data)
    project = Project.objects.get(name="送医陪护与照料")
    assert response.status_code == 302
    assert response["Location"] == detail(project)
    assert project.amount == Decimal("22810.00")  # 500 × 40 + 20 × 140.50
    assert project.status == Project.Status.DRAFT
    # Each line records the fund that pays it; the aid-fund line makes the project a filing one.
    assert project.amount_by_source() == {
        FundingSource.WORK_FUNDS: Decimal("20000.00"),
        FundingSource.SUBSIDY: Decimal("2810.00"),
    }
    assert project.needs_filing


def test_a_delivery_to_a_household_of_another_county_is_refused(client, staff, approved, county_b):
    services.project_start(project=approved, by=staff)
    elsewhere = HouseholdFactory(region=county_b[2], registry_number="350502-0009")
    client.force_login(staff)
    response = client.post(
        action(approved, "delivery"),
        {
            "line": approved.lines.get().pk,
            "delivered_on": "2026-04-01",
            "quantity": "3",
            "household": elsewhere.registry_number,
        },
    )
    assert response.status_code == 400
    assert not approved.deliveries.exists()


def test_deliveries_show_against_the_contract(client, staff, approved, household_a):
    services.project_start(project=approved, by=staff)
    client.force_login(staff)
    response = client.post(
        action(approved, "delivery"),
        {
            "line": approved.lines.get().pk,
            "delivered_on": "2026-04-01",
            "quantity": "25",
            "household": household_a.registry_number,
            "satisfaction": "5",
        },
        follow=True,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert approved.deliveries.get().household == household_a
    assert "25.0" in content  # delivered % of 100 contracted hours
    assert "1,000.00" in content  # delivered value


@pytest.fixture
def evaluation(approved, staff, household_a):
    services.project_start(project=approved, by=staff)
    services.delivery_record(
        project=approved,
        by=staff,
        line=approved.lines.get(),
        delivered_on=dt.date(2026, 3, 5),
        quantity=Decimal("60"),
        household=household_a,
        satisfaction=4,
    )
    return services.evaluation_record(
        project=approved,
        by=staff,
        evaluated_on=dt.date(2026, 11, 1),
        scores={c: Decimal("85") for c in ("management", "service-quality", "finance")}
        | {"records": Decimal("90"), "social-impact": Decimal("80")},
    )


def test_the_evaluation_report_renders_with_charts(client, auditor, evaluation):
    client.force_login(auditor)
    response = client.get(reverse("procurement:evaluation-detail", args=[evaluation.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert str(evaluation.final_score) in content
    assert content.count('<svg class="chart"') == 2
    assert "欧阳晓明" not in content


def test_the_evaluation_exports_as_xlsx_and_pdf(client, staff, evaluation):
    client.force_login(staff)
    xlsx = client.get(reverse("procurement:evaluation-export", args=[evaluation.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    facts = [row[1] for row in sheet.iter_rows(max_row=11)]
    assert facts[0].value == "困境儿童关爱服务"
    # The contract amount and the scores are numbers; the amount shows 4,000.00.
    assert (facts[4].value, facts[4].data_type, facts[4].number_format) == (4000, "n", "#,##0.00")
    assert (facts[9].value, facts[9].data_type) == (float(evaluation.final_score), "n")
    assert facts[10].value == evaluation.get_grade_display()
    cost = sheet.cell(14 + list(LABELS).index("cost"), 2)  # below the header, in the list's order
    assert cost.number_format == "#,##0.00"  # paid per household: an amount
    assert sheet._charts  # the indicator chart travels with the numbers
    pdf = client.get(reverse("procurement:evaluation-export", args=[evaluation.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.content


def test_the_public_summary_carries_no_personal_data(evaluation, household_a):
    project = Project.objects.get(pk=evaluation.project_id)
    summary = project.public_summary()
    assert summary["agency"] == "元江县阳光社会工作服务中心"
    assert summary["amount"] == Decimal("4000.00")
    assert summary["households_served"] == 1
    assert summary["lines"][0]["delivered"] == Decimal("60.00")
    flat = repr(summary)
    assert household_a.registry_number not in flat
    assert "欧阳晓明" not in flat


def test_staff_record_funds_and_the_page_shows_the_new_cap(client, staff, county):
    client.force_login(staff)
    response = client.post(
        reverse("procurement:funds"),
        {
            "region": county.pk,
            "year": YEAR,
            "source": FundingSource.SUBSIDY,
            "budget_amount": "2600000.00",
            "spent_amount": "2500000.00",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "100,000.00" in response.content.decode()  # 4% of 2,500,000.00 spent


def test_an_auditor_cannot_record_funds(client, auditor, county):
    client.force_login(auditor)
    response = client.post(
        reverse("procurement:funds"),
        {
            "region": county.pk,
            "year": YEAR,
            "source": "other",
            "budget_amount": "1",
            "spent_amount": "0",
        },
    )
    assert response.status_code == 403


def test_unknown_actions_and_formats_are_not_found(client, staff, evaluation):
    client.force_login(staff)
    assert client.post(action(evaluation.project, "delete")).status_code == 404
    assert (
        client.get(
            reverse("procurement:evaluation-export", args=[evaluation.pk, "docx"])
        ).status_code
        == 404
    )


def test_names_typed_by_staff_cannot_inject_markup_into_the_charts(
    client, staff, funded, submitted, manager
):
    services.project_approve(project=submitted(name="<script>alert(1)</script>"), by=manager)
    client.force_login(staff)
    content = client.get(reverse("procurement:dashboard"), {"year": YEAR}).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)" in content


def test_the_evaluation_export_writes_text_that_looks_like_a_formula_as_text(
    client, staff, evaluation
):
    Project.objects.filter(pk=evaluation.project_id).update(name="=1+1")
    type(evaluation).objects.filter(pk=evaluation.pk).update(comments='=HYPERLINK("http://x","y")')
    client.force_login(staff)

    xlsx = client.get(reverse("procurement:evaluation-export", args=[evaluation.pk, "xlsx"]))

    cells = {
        cell.value: cell
        for row in openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
        for cell in row
        if cell.value
    }
    for text in ("=1+1", '=HYPERLINK("http://x","y")'):
        assert cells[text].data_type == "s"
    assert not [cell for cell in cells.values() if cell.data_type == "f"]
