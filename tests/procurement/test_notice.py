"""A project's public notice (公示) carries what a procurement notice does: the procurement
method, the contract number, period, amount, agency, service area and where to complain. A
draft may lack the contract number; nothing goes for approval without it."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from bangfu.procurement import services
from bangfu.procurement.models import CatalogueItem, LedgerEntry, Project
from cms.models import ProjectPage
from tests.factories import NOTICE, HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

CONSULTATION = Project.ProcurementMethod.COMPETITIVE_CONSULTATION


def form_data(county, agency, **changes) -> dict:
    data = {
        "name": "特困老人居家照料服务",
        "region": county.pk,
        "agency": agency.pk,
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "target_households": "30",
        "target_hours": "600",
        "description": "",
        "procurement_method": CONSULTATION,
        "contract_number": "YJMZ-FW-2026-012",
        "complaint_channel": "",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": CatalogueItem.objects.get(code="home-care").pk,
        "lines-0-quantity": "600",
        "lines-0-unit_price": "",
        "lines-0-funding_source": "work_funds",
    }
    return {**data, **changes}


def submit(client, project):
    return client.post(reverse("procurement:project-action", args=[project.pk, "submit"]))


@pytest.fixture
def bureau_contact(bureau):
    bureau.contact_phone, bureau.address = "0877-6012345", "元江县澧江街道县行政中心"
    bureau.save()
    return bureau


def test_the_form_refuses_a_procurement_method_the_law_does_not_know(client, staff, county, agency):
    client.force_login(staff)
    response = client.post(
        reverse("procurement:project-create"),
        form_data(county, agency, procurement_method="auction"),
    )
    assert response.status_code == 400
    assert "procurement_method" in response.context["form"].errors
    assert not Project.objects.exists()


def test_the_form_asks_for_the_procurement_method(client, staff, county, agency):
    client.force_login(staff)
    response = client.post(
        reverse("procurement:project-create"), form_data(county, agency, procurement_method="")
    )
    assert response.status_code == 400
    assert "procurement_method" in response.context["form"].errors


def test_a_draft_without_a_contract_number_is_saved_but_not_submitted(
    client, staff, county, agency, bureau_contact
):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("procurement:project-create"), form_data(county, agency, contract_number="")
    )
    project = Project.objects.get()
    assert response.status_code == 302 and project.status == Project.Status.DRAFT

    refused = submit(client, project)
    assert refused.status_code == 400
    assert "Enter the contract number (合同编号)" in refused.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT

    # with the number the same draft goes for approval
    edit = reverse("procurement:project-edit", args=[project.pk])
    assert client.post(edit, form_data(county, agency)).status_code == 302
    assert submit(client, project).status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.SUBMITTED
    assert project.contract_number == "YJMZ-FW-2026-012"


def test_approval_is_refused_without_a_contract_number_and_commits_nothing(
    funded, submitted, manager
):
    project = submitted()
    # a project submitted before the notice asked for one
    Project.objects.filter(pk=project.pk).update(contract_number="")
    with pytest.raises(ValidationError) as refusal:
        services.project_approve(project=project, by=manager)
    assert set(refusal.value.message_dict) == {"contract_number"}
    assert not LedgerEntry.objects.filter(project=project).exists()
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED


def test_the_complaints_channel_defaults_to_the_buying_bureau(
    client, staff, county, agency, bureau_contact
):
    client.force_login(staff)
    client.post(reverse("procurement:project-create"), form_data(county, agency))
    assert Project.objects.get().complaint_channel == (
        "元江县民政局 · 0877-6012345 · 元江县澧江街道县行政中心"
    )


def test_a_complaints_channel_written_in_the_form_is_kept(
    client, staff, county, agency, bureau_contact
):
    client.force_login(staff)
    written = "元江县财政局政府采购监督管理股 · 0877-6011111"
    client.post(
        reverse("procurement:project-create"),
        form_data(county, agency, complaint_channel=written),
    )
    assert Project.objects.get().complaint_channel == written


def test_without_any_contact_the_project_cannot_go_for_approval(make_project, staff, in_english):
    project = make_project(complaint_channel="")  # the bureau has no phone or address
    assert project.complaint_channel == ""
    with pytest.raises(ValidationError, match="complain"):
        services.project_submit(project=project, by=staff)


def test_the_staff_page_shows_the_notice_fields(client, staff, make_project):
    project = make_project()
    client.force_login(staff)
    html = client.get(reverse("procurement:project-detail", args=[project.pk])).content.decode()
    assert str(CONSULTATION.label) in html
    assert NOTICE["contract_number"] in html
    assert NOTICE["complaint_channel"] in html


def test_the_public_notice_shows_every_field_and_no_personal_data(
    county_a,
    funded,
    make_project,
    staff,
    manager,
    client,
    django_capture_on_commit_callbacks,
):
    _county, town, village = county_a
    household = HouseholdFactory(
        region=village, registry_number="530428-0077", address="保密村7号", phone="13911112222"
    )
    person = MemberFactory(household=household, name="司马保密")
    project = make_project(quantity="20000", unit_price="1.50", service_area=[town])
    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(project=project, by=staff)
        services.project_approve(project=project, by=manager)
        services.project_start(project=project, by=staff)
    services.delivery_record(
        project=project,
        by=staff,
        line=project.lines.get(),
        delivered_on=project.starts_on,
        quantity=2,
        household=household,
    )
    page = ProjectPage.objects.get(project=project)

    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("zh-hans"):
        method = str(CONSULTATION.label)
    for shown in (
        method,
        NOTICE["contract_number"],
        "2026-03-01",
        "2026-12-31",  # the period
        "30,000.00",  # 20,000 hours × 1.50 yuan, with its thousands separator
        "元江县阳光社会工作服务中心",  # the agency
        town.name,  # the service area
        NOTICE["complaint_channel"],
        "2026-11-20",  # published on approval
    ):
        assert shown in html, shown
    for private in (
        person.name,
        household.phone,
        household.registry_number,
        household.address,
        staff.username,
        manager.username,
    ):
        assert private not in html, private
