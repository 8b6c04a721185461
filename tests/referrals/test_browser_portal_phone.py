"""In headless Chromium on a 390-pixel screen, a station works a case the way a phone does: the
inbox shows the cases on the first screen, the case page accepts and logs a session without a
reload (a marker set on ``window`` survives both), and no text anywhere is squeezed into one
character per line, on the phone nor on a 1280-pixel desktop."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bangfu.referrals.models import Referral, ServiceSession

from .test_browser import fill, set_date, text

pytestmark = pytest.mark.browser

# Text nodes of three characters or more laid out on about one line per character: a column or
# a cell squeezed too narrow for its words.
SQUEEZED = """
const squeezed = [];
const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const characters = node.textContent.replace(/\\s+/g, "").length;
  if (characters < 3 || !node.parentElement.offsetParent) continue;
  const range = document.createRange();
  range.selectNodeContents(node);
  const lines = new Set(
    [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))
  );
  if (lines.size >= 3 && lines.size >= characters / 2) squeezed.push(node.textContent.trim());
}
return squeezed;
"""


def squeezed(browser) -> list[str]:
    return browser.execute_script(SQUEEZED)


def wait_for(browser, css: str):
    return WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, css), message=f"waiting for {css}"
    )


def top(browser, css: str) -> float:
    element = browser.find_element(By.CSS_SELECTOR, css)
    return browser.execute_script("return arguments[0].getBoundingClientRect().top", element)


def test_a_station_accepts_and_logs_a_session_on_a_phone_without_a_reload(
    browser, station, referral, household
):
    browser.set_window_size(390, 844)
    browser.log_in(station.staff.username)
    assert browser.execute_script("return window.innerWidth") == 390

    # The first screen shows the case, its summary cards come after the list.
    browser.get(browser.url("/portal/"))
    height = browser.execute_script("return window.innerHeight")
    assert top(browser, f"#referral-{referral.pk}") < height
    assert top(browser, ".portal-summary") > top(browser, f"#referral-{referral.pk}")
    assert squeezed(browser) == []

    # On the case page: accept, and the status, the contact details and the session form
    # change in place.
    browser.get(browser.url(f"/portal/{referral.pk}/"))
    browser.execute_script("window.noReload = 'still the same page'")
    browser.find_element(By.CSS_SELECTOR, "#case button[name=accept]").click()
    wait_for(browser, "#case-status.status-accepted")
    assert browser.execute_script("return window.noReload") == "still the same page"
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED
    phone = browser.find_element(By.CSS_SELECTOR, "#case-phone")
    assert phone.get_attribute("href") == "tel:13800001111" and phone.is_displayed()
    assert not browser.find_elements(By.CSS_SELECTOR, "button[name=accept]")
    assert squeezed(browser) == []

    # A session is logged: the log grows and the case is in service, still without a reload.
    set_date(browser, "held_on", timezone.localdate().isoformat())
    fill(browser, "duration_minutes", "45")
    fill(browser, "notes", "上门照料，整理房间")
    browser.find_element(By.CSS_SELECTOR, "button[name=log-session]").click()
    wait_for(browser, "#sessions tbody tr")
    assert browser.execute_script("return window.noReload") == "still the same page"
    assert "上门照料" in text(browser, "#sessions") and "45" in text(browser, "#sessions")
    assert "status-in_service" in browser.find_element(By.ID, "case-status").get_attribute("class")
    assert ServiceSession.objects.get(referral=referral).duration_minutes == 45
    assert squeezed(browser) == []

    # The same pages on a desktop squeeze nothing either.
    browser.set_window_size(1280, 900)
    for page in (f"/portal/{referral.pk}/", "/portal/"):
        browser.get(browser.url(page))
        assert squeezed(browser) == [], page
