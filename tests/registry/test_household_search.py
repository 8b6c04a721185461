"""Searching the household list by ID number or phone: the search box is posted, and the list's
URL (its pages, sort links and export) carries a short-lived token, never the number."""

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.registry.models import Tier
from tests.factories import HouseholdFactory, UserFactory, member_of

pytestmark = pytest.mark.postgres

LIST_URL = reverse("registry:household-list")
PHONE = "13912345678"


@pytest.fixture
def staff_client(client, bureau_staff):
    client.force_login(bureau_staff)
    return client


@pytest.fixture
def neighbour(county_a):
    _county, _town, village = county_a
    return HouseholdFactory(region=village, registry_number="530428-0002", phone="13700000000")


def head_id(household) -> str:
    return household.members.get().id_number


def search(client, query: str, **filters):
    """Post the list's form as the page does; return the redirect's target and the page."""
    posted = client.post(LIST_URL, {"q": query, **filters})
    assert posted.status_code == 302
    return posted["Location"], client.get(posted["Location"])


def test_an_id_number_search_finds_the_household_at_a_url_without_the_number(
    staff_client, household_a, neighbour
):
    number = head_id(household_a)

    location, page = search(staff_client, number, tier="dibao")

    body = page.content.decode()
    assert "530428-0001" in body and "530428-0002" not in body
    assert number not in location and "tier=dibao" in location
    # the page shows the query masked, never as typed
    assert number not in body and number[:4] + "**********" + number[-4:] in body
    assert re.fullmatch(r"/staff/\?tier=dibao&search=[\w-]{16}", location)
    # every link of the page names the search by its token only
    token = re.search(r"search=([\w-]+)", location)[1]
    links = re.findall(r'href="([^"]*)"', body)
    assert any(f"search={token}" in link and "sort=" in link for link in links)
    assert any(f"search={token}" in link and "export" in link for link in links)
    assert not [link for link in links if number in link]


@pytest.mark.parametrize("typed", [PHONE, "139 1234 5678", "139-1234-5678", "+86 13912345678"])
def test_a_phone_search_finds_the_household_however_the_number_is_written(
    staff_client, household_a, neighbour, typed
):
    household_a.phone = PHONE
    household_a.save()

    location, page = search(staff_client, typed)

    body = page.content.decode()
    assert "530428-0001" in body and "530428-0002" not in body
    assert "1234" not in location


def test_changing_a_filter_keeps_the_search_shown(staff_client, county_a, household_a, neighbour):
    household_a.phone = PHONE
    household_a.save()
    location, page = search(staff_client, PHONE)
    token = re.search(r"search=([\w-]+)", location)[1]
    assert "139****5678" in page.content.decode() and PHONE not in page.content.decode()

    # the form is posted again with the box left empty and another filter chosen
    again = staff_client.post(LIST_URL, {"q": "", "search": token, "tier": Tier.TEKUN})
    household_a.tier = Tier.TEKUN
    household_a.save()

    assert again["Location"] == f"{LIST_URL}?tier={Tier.TEKUN}&search={token}"
    found = staff_client.get(again["Location"]).context["households"]
    assert [h.registry_number for h in found] == ["530428-0001"]


def test_pages_and_sorting_keep_the_search(staff_client, county_a, household_a):
    _county, _town, village = county_a
    for number in range(2, 32):
        HouseholdFactory(region=village, registry_number=f"530428-{number:04d}")
    HouseholdFactory(region=village, registry_number="530499-0001")  # not matched by the search

    location, first = search(staff_client, "530428-")
    token = re.search(r"search=([\w-]+)", location)[1]
    next_query = first.context["page_obj"].next_query
    second = staff_client.get(f"{LIST_URL}?{next_query}").content.decode()
    reversed_order = staff_client.get(LIST_URL, {"search": token, "sort": "-number"})

    assert first.context["page_obj"].count == 31
    assert next_query.startswith(f"search={token}&cursor=")
    assert "530428-0031" in second and "530499-0001" not in second
    assert reversed_order.context["households"][0].registry_number == "530428-0031"


def test_the_export_of_a_search_holds_the_households_found(staff_client, household_a, neighbour):
    location, _page = search(staff_client, head_id(household_a))
    token = re.search(r"search=([\w-]+)", location)[1]

    response = staff_client.get(reverse("registry:household-export"), {"search": token})

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    cells = {cell for row in sheet.iter_rows(values_only=True) for cell in row if cell}
    assert "530428-0001" in cells and "530428-0002" not in cells


def test_the_session_keeps_the_search_encrypted(staff_client, household_a):
    number = head_id(household_a)

    search(staff_client, number)

    stored = json.dumps(dict(staff_client.session.items()))
    assert "bangfu.search_tokens" in stored and number not in stored


def test_an_id_number_typed_into_a_url_is_not_searched(staff_client, household_a, neighbour):
    page = staff_client.get(LIST_URL, {"q": head_id(household_a)})

    assert page.context["page_obj"].count == 2  # nothing was filtered


def test_a_search_expires_after_idle_minutes_and_finds_nothing_then(
    staff_client, household_a, neighbour
):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        location, _page = search(staff_client, head_id(household_a))
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 14, tzinfo=dt.UTC), tick=False):
        kept = staff_client.get(location)  # used within 15 minutes: kept alive
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC), tick=False):
        expired = staff_client.get(location)

    assert kept.context["page_obj"].count == 1
    assert expired.context["page_obj"].count == 0
    assert expired.context["filter"].search_expired


def test_another_users_session_cannot_use_the_token(
    staff_client, bureau_staff, household_a, neighbour
):
    location, _page = search(staff_client, head_id(household_a))
    membership = bureau_staff.memberships.get()
    colleague = UserFactory(username="colleague_a")
    member_of(colleague, membership.organisation, membership.role)
    other = Client()
    other.force_login(colleague)

    page = other.get(location)

    assert page.context["page_obj"].count == 0
    assert "530428-0001" not in page.content.decode()
