"""In headless Chromium: the audit administrator finds who revealed a given member's ID number
last week, and exports the list. A reveal three weeks ago, and one of another household, stay
out of it."""

import datetime as dt
import io

import pytest
import requests
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bangfu.accounts.models import Membership, Organisation
from bangfu.registry.services import member_identity_reveal
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
)
from tests.registry.test_decision_browser import shoot  # screenshots for a person to look at

pytestmark = pytest.mark.browser
Role = Membership.Role


@pytest.fixture
def reveals(db):
    """Two of the county bureau's staff and its audit administrator; 欧阳晓明's ID number
    revealed by 王芳 five days ago and by 李强 three weeks ago, a neighbour's by 李强 yesterday."""
    *_above, county, _town, village = region_chain("530428", "101", "201")
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    people = {}
    for username, name, role in (
        ("wangfang", "王芳", Role.BUREAU_STAFF),
        ("liqiang", "李强", Role.BUREAU_STAFF),
        ("auditadmin", "赵审计", Role.AUDIT_ADMIN),
    ):
        people[username] = UserFactory(username=username, display_name=name)
        member_of(people[username], bureau, role)
    home = HouseholdFactory(region=village, registry_number="530428-00419")
    member = MemberFactory(household=home, name="欧阳晓明")
    neighbour = MemberFactory(
        household=HouseholdFactory(region=village, registry_number="530428-00420")
    )
    now = timezone.now()
    for by, whom, days in (
        ("liqiang", member, 21),
        ("wangfang", member, 5),
        ("liqiang", neighbour, 1),
    ):
        with time_machine.travel(now - dt.timedelta(days=days), tick=False):
            member_identity_reveal(member=whom, by=people[by])
    return {"home": home, "member": member, **people}


def wider_than_the_window(browser) -> list[str]:
    """The elements that reach past the page's right edge (none on a page that fits); the
    column headings of a table shown as cards are hidden, clipped to a pixel."""
    return browser.execute_script(
        """return [...document.querySelectorAll("body *")]
            .filter(e => !e.closest("thead, .visually-hidden"))
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(e => e.tagName + "." + e.className + "#" + e.id);"""
    )


def test_the_audit_administrator_finds_who_revealed_an_id_number_last_week(browser, reveals):
    browser.set_window_size(1280, 1600)
    browser.log_in("auditadmin")
    # The navigation leads to the audit log.
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/staff/audit/']").click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.endswith("/staff/audit/"))
    browser.find_element(By.NAME, "household").send_keys(reveals["home"].registry_number)
    Select(browser.find_element(By.NAME, "action")).select_by_value("id_reveal")
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    since = browser.find_element(By.NAME, "since")
    browser.execute_script("arguments[0].value = arguments[1]", since, week_ago)
    old = browser.find_element(By.TAG_NAME, "html")
    since.find_element(By.XPATH, "./ancestor::form").submit()
    WebDriverWait(browser, 20).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)

    rows = browser.find_elements(By.CSS_SELECTOR, "#audit-entries tbody tr")
    assert len(rows) == 1
    row = rows[0].text
    assert "王芳" in row and "wangfang" in row and "liqiang" not in row
    # The member is named masked; the full name and ID number appear nowhere.
    member = reveals["member"]
    assert member.name not in browser.page_source
    assert member.id_number not in browser.page_source
    shoot(browser, "audit-search")
    browser.set_window_size(390, 1600)
    assert browser.find_element(By.CSS_SELECTOR, "#audit-entries tbody tr").is_displayed()
    assert wider_than_the_window(browser) == []
    shoot(browser, "audit-search")

    # The export link downloads the same list as a spreadsheet.
    link = browser.find_element(By.ID, "audit-export").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    response = requests.get(link, cookies=cookies, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    exported = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(row[1], row[2]) for row in exported] == [("王芳", "wangfang")]

    # The security events and the chain's state, on a desk and on a phone.
    for name in ("security", "chain"):
        browser.get(browser.url(f"/staff/audit/{name}/"))
        for width in (1280, 390):
            browser.set_window_size(width, 1600)
            assert wider_than_the_window(browser) == [], (name, width)
            shoot(browser, f"audit-{name}")
    assert browser.find_element(By.CSS_SELECTOR, "#chain-state .tone-ok").is_displayed()
