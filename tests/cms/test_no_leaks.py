"""No personal data leaves the staff interface: recognisable names, ID numbers, phones and
addresses are seeded into households that received an offer and a procured service, and into a
help request; every public page, the search results, the help status page and every charity
page are fetched, and none of them — in clear or masked — may appear."""

import re

import pytest
from django.urls import get_resolver
from wagtail.models import Page

from bangfu.core.masking import mask_id_number, mask_name, mask_phone
from bangfu.offers import services as offers
from bangfu.offers.models import Offer
from cms.services import offer_page_sync, project_pages_sync
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

NAME, OTHER_NAME, CALLER = "上官秘密", "司徒隐私", "欧阳求助"
ID_NUMBER = make_id_number(area="530428", seq=321)
PHONE, CALLER_PHONE = "13987654321", "13712345678"
ADDRESS = "秘密村99号"
REGISTRY_NUMBER = "YJ-SECRET-0099"
CALLER_STORY = "邻居独居老人摔伤无人照顾"
MARKERS = (
    NAME,
    mask_name(NAME),
    OTHER_NAME,
    mask_name(OTHER_NAME),
    ID_NUMBER,
    mask_id_number(ID_NUMBER),
    PHONE,
    mask_phone(PHONE),
    ADDRESS,
    REGISTRY_NUMBER,
    CALLER,
    mask_name(CALLER),
    CALLER_PHONE,
    mask_phone(CALLER_PHONE),
    CALLER_STORY,
)


@pytest.fixture
def seeded(county_a, charity, charity_user, bureau_staff, run_project, hardship, client, today):
    _county, town, village = county_a
    household = HouseholdFactory(
        region=village, registry_number=REGISTRY_NUMBER, address=ADDRESS, phone=PHONE
    )
    MemberFactory(household=household, name=NAME, id_number=ID_NUMBER)
    MemberFactory(household=household, name=OTHER_NAME, relation="spouse")
    need = NeedFactory(household=household, category=hardship, notes=f"{NAME} {PHONE}")
    offer = OfferFactory(charity=charity, title="爱心大米")
    allocation = offers.allocation_confirm(offer=offer, need=need, by=bureau_staff)
    offers.delivery_record(
        allocation=allocation, by=charity_user, delivered_on=today, note=f"{NAME} {PHONE} 已签收"
    )
    pending = OfferFactory(charity=charity, title="待审棉被", status=Offer.Status.DRAFT)
    offer_page_sync(offer_id=offer.pk)
    run_project(household=household, close=True)
    project_pages_sync()
    response = client.post(
        "/help/",
        {
            "name": CALLER,
            "phone": CALLER_PHONE,
            "township": town.pk,
            "description": f"{CALLER_STORY}，联系{CALLER_PHONE}",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    code = re.search(
        r'id="tracking-code">([A-Z0-9-]+)<', client.get("/help/received/").content.decode()
    )[1]
    return {"offers": [offer, pending], "allocation": allocation, "code": code}


def leaks(response, echoed: str = "") -> list[str]:
    """Markers in the page, apart from where a search page repeats what the visitor typed."""
    body = response.content.decode()
    if echoed:
        for echo in (f'value="{echoed}"', f"“{echoed}”", f"q={echoed}"):
            body = body.replace(echo, "")
    return [marker for marker in MARKERS if marker in body]


def test_no_public_or_charity_page_shows_personal_data(client, seeded, charity_user, bureau_staff):
    fetched, echoes = {}, {}
    # Every live page of the site.
    for page in Page.objects.live().specific():
        fetched[page.url] = client.get(page.url)
    # Search results, for the seeded data itself and for what is on the site.
    for query in (NAME, OTHER_NAME, CALLER, "秘密", "爱心大米", "居家照料", "13987654321", "慈善"):
        fetched[f"/search/?q={query}"] = client.get("/search/", {"q": query})
        echoes[f"/search/?q={query}"] = query
    # The help pages, and the status of the seeded request.
    fetched["/help/"] = client.get("/help/")
    fetched["/help/status/"] = client.get("/help/status/")
    status = client.post("/help/status/", {"code": seeded["code"], "phone": CALLER_PHONE})
    assert status.status_code == 200
    fetched["status of the request"] = status
    # Every page of the charity portal, as the charity.
    client.force_login(charity_user)
    for route in portal_routes():
        for offer in seeded["offers"]:
            url = route.replace("<int:pk>", str(offer.pk))
            fetched[url] = client.get(url)
    fetched["allocation delivery (POST)"] = client.post(
        f"/charity/allocations/{seeded['allocation'].pk}/deliver/", follow=True
    )
    assert len(fetched) > 20
    assert all(r.status_code < 500 for r in fetched.values())
    assert sum(r.status_code == 200 for r in fetched.values()) > 15
    # The harness does see personal data where it belongs: the staff's page of the offer.
    client.force_login(bureau_staff)
    assert REGISTRY_NUMBER in leaks(client.get(f"/staff/offers/{seeded['offers'][0].pk}/"))
    found = {url: leaks(r, echoes.get(url, "")) for url, r in fetched.items()}
    found = {url: markers for url, markers in found.items() if markers}
    assert found == {}


def portal_routes() -> list[str]:
    resolver = get_resolver()
    charity = resolver.namespace_dict["charity"][1]
    return ["/charity/" + str(pattern.pattern) for pattern in charity.url_patterns]
