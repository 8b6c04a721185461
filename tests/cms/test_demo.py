"""The demo's public site, built on the demo county the way the demo builder will call it."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangfu.demo.builder import COUNTY_CODE, DemoOptions, demo_build
from bangfu.demo.procurement import load_procurement_demo
from bangfu.demo.public_site import load_public_site_demo
from bangfu.demo.steps import STEPS
from bangfu.offers.models import Allocation, Offer
from bangfu.procurement.models import Project
from bangfu.regions.models import Region
from cms.models import NewsPage, OfferPage, PolicyPage, ProjectPage

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)
BEFORE_PROCUREMENT = {
    "regions",
    "policy",
    "organisations",
    "providers",
    "households",
    "assessments",
    "priorities",
}


@pytest.fixture
def demo_county():
    moment = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment):
        # The county, its people and their needs; then procurement and this step, called here
        # the way the builder calls them.
        steps = [step for step in STEPS if step.name in BEFORE_PROCUREMENT]
        demo_build(options=DemoOptions(households=120, seed=2026, as_of=AS_OF), steps=steps)
        county = Region.objects.get(code=COUNTY_CODE)
        load_procurement_demo(county, random.Random("2026:procurement"))
        yield county


def test_the_demo_publishes_pages_projects_and_offers(demo_county, client):
    counts = load_public_site_demo(demo_county, random.Random("2026:public-site"), as_of=AS_OF)
    published_projects = Project.objects.filter(status__in=Project.PUBLISHED_STATUSES).count()
    assert counts["project pages"] == published_projects == ProjectPage.objects.live().count()
    assert NewsPage.objects.live().count() == 4 and PolicyPage.objects.live().count() == 4
    assert counts["offers"] == 5
    assert Offer.objects.filter(status=Offer.Status.PENDING).count() == 1  # for the bureau
    assert OfferPage.objects.live().count() == 4
    assert counts["offer allocations"] == Allocation.objects.count() > 0
    assert 0 < counts["offer deliveries"] <= counts["offer allocations"]
    html = client.get("/").content.decode()
    assert "春节慰问金" in html and "县民政局提高城乡低保标准" in html
    for page in [*OfferPage.objects.live(), *ProjectPage.objects.live()]:
        assert client.get(page.url).status_code == 200


def test_the_demo_is_safe_to_run_twice(demo_county):
    load_public_site_demo(demo_county, random.Random(1), as_of=AS_OF)
    pages = NewsPage.objects.count() + PolicyPage.objects.count() + OfferPage.objects.count()
    again = load_public_site_demo(demo_county, random.Random(1), as_of=AS_OF)
    assert again["public pages"] == again["offers"] == again["offer allocations"] == 0
    assert NewsPage.objects.count() + PolicyPage.objects.count() + OfferPage.objects.count() == (
        pages
    )
