"""The public endpoints serve, without a token, the notices the public site publishes: procured
projects from their approval on, charity offers the bureau published; nothing unpublished."""

import pytest

from bangfu.accounts.models import Organisation
from tests.factories import OfferFactory, OrganisationFactory, ProjectFactory, charity_with_staff

pytestmark = pytest.mark.django_db
PROJECTS, OFFERS = "/api/v1/public/projects/", "/api/v1/public/offers/"


@pytest.fixture
def projects(county_a):
    county = county_a[0]
    agency = OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="元江县阳光社会工作服务中心", region=county
    )
    published = ProjectFactory(region=county, agency=agency, name="居家照料服务项目")
    draft = ProjectFactory(region=county, agency=agency, name="未公示项目", status="draft")
    return published, draft


@pytest.fixture
def offers(county_a):
    charity, _user = charity_with_staff(county_a[0])
    published = OfferFactory(charity=charity, title="爱心大米")
    draft = OfferFactory(charity=charity, title="待审棉被", status="draft")
    return published, draft


def test_published_projects_are_served_and_drafts_are_not(client, projects):
    published, draft = projects
    response = client.get(PROJECTS)
    assert response.status_code == 200
    [notice] = response.json()["results"]
    assert notice["id"] == published.pk and notice["name"] == "居家照料服务项目"
    assert notice["agency"] == "元江县阳光社会工作服务中心"
    assert client.get(f"{PROJECTS}{published.pk}/").json()["contract_number"] == (
        published.contract_number
    )
    assert client.get(f"{PROJECTS}{draft.pk}/").status_code == 404
    assert "未公示项目" not in response.content.decode()


def test_published_offers_are_served_and_drafts_are_not(client, offers):
    published, draft = offers
    response = client.get(OFFERS)
    assert response.status_code == 200
    assert [notice["title"] for notice in response.json()["results"]] == ["爱心大米"]
    detail = client.get(f"{OFFERS}{published.pk}/").json()
    assert detail["charity"] == "元江县慈善总会" and detail["remaining_units"] == 10
    assert client.get(f"{OFFERS}{draft.pk}/").status_code == 404


def test_lists_page_by_cursor(client, offers, county_a):
    charity = offers[0].charity
    OfferFactory(charity=charity, title="冬衣")
    first = client.get(OFFERS, {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert first["results"][0]["id"] != second["results"][0]["id"]


def test_a_token_sent_to_a_public_endpoint_is_ignored(client, offers):
    response = client.get(OFFERS, headers={"Authorization": "Bearer bfk_not-a-token"})
    assert response.status_code == 200
