"""A county buys services from agencies that serve it: its own, those of the regions above it,
and an agency from elsewhere only once it is registered to serve the county."""

import pytest
from django.conf import settings
from django.urls import reverse

from bangfu.accounts.models import Organisation
from bangfu.procurement.models import AgencyRegistration, CatalogueItem, FundingSource, Project
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "特困老人居家照料服务"


@pytest.fixture
def distant_agency(county_b):
    """A social-work agency at home in county B, in another province."""
    return OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="鲤城区同心社会工作服务中心", region=county_b[0]
    )


def project_data(county, agency) -> dict:
    care = CatalogueItem.objects.get(code="home-care")
    return {
        "name": NAME,
        "region": county.pk,
        "agency": agency.pk,
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "target_households": "30",
        "target_hours": "600",
        "description": "为分散供养特困老人提供每周两次上门照料。",
        "procurement_method": "competitive_consultation",
        "contract_number": "YJMZ-FW-2026-003",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": care.pk,
        "lines-0-quantity": "600",
        "lines-0-unit_price": "",
        "lines-0-funding_source": FundingSource.WORK_FUNDS,
    }


def post_project(client, user, county, agency):
    client.force_login(user)
    return client.post(reverse("procurement:project-create"), project_data(county, agency))


def agency_choices(client, user) -> set[int]:
    client.force_login(user)
    form = client.get(reverse("procurement:project-create")).context["form"]
    return {agency.pk for agency in form.fields["agency"].queryset}


def test_the_form_refuses_an_agency_of_another_county_on_its_field(
    client, staff, county, distant_agency
):
    response = post_project(client, staff, county, distant_agency)

    assert response.status_code == 400
    assert response.context["form"].errors["agency"]
    assert not Project.objects.exists()


def test_a_registered_agency_from_another_county_is_accepted(client, staff, county, distant_agency):
    AgencyRegistration.objects.create(agency=distant_agency, region=county, reference="元民备12")

    response = post_project(client, staff, county, distant_agency)

    assert response.status_code == 302
    assert Project.objects.get(name=NAME).agency == distant_agency


def test_the_form_offers_the_agencies_that_serve_the_county(
    client, staff, county, agency, distant_agency
):
    city_agency = OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="玉溪市社会工作协会", region=county.parent
    )

    offered = agency_choices(client, staff)

    assert offered == {agency.pk, city_agency.pk}
    AgencyRegistration.objects.create(agency=distant_agency, region=county)
    assert distant_agency.pk in agency_choices(client, staff)


def test_a_user_who_sees_every_agency_still_cannot_contract_one_from_elsewhere(
    client, county, distant_agency, agency
):
    admin = UserFactory(username="admin_a", is_superuser=True, is_staff=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert distant_agency.pk in agency_choices(client, admin)  # offered: all are

    refused = post_project(client, admin, county, distant_agency)

    assert refused.status_code == 400
    assert "does not serve" in str(refused.context["form"].errors["agency"])
    assert post_project(client, admin, county, agency).status_code == 302
