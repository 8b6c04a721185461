"""In headless Chromium, the intake desk takes in a caller: it finds her household by part of her
name, then by the initials of its pinyin, chooses it and opens the case; the household's open
need is offered in the case and taken."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bangfu.referrals.models import IntakeCase
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory
from tests.procurement.test_browser import fill, press, press_css

pytestmark = pytest.mark.browser

QUERY = "#picker-household-q"


@pytest.fixture
def yang(county_a):
    """杨桂仙's household, and a neighbour whose name shares nothing with hers."""
    _county, _town, village = county_a
    household = HouseholdFactory(region=village, registry_number="530428-00123")
    MemberFactory(household=household, name="杨桂仙")
    neighbour = HouseholdFactory(region=village, registry_number="530428-00456")
    MemberFactory(household=neighbour, name="王小明")
    return household


def suggestions(browser, typed: str, expected: str) -> str:
    """Type into the search box and wait for suggestions that hold ``expected``."""
    box = browser.find_element(By.CSS_SELECTOR, QUERY)
    box.clear()
    box.send_keys(typed)
    # htmx swaps the results in: a hit read during the swap is gone, and read again.
    return WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: (
            (hits := d.find_elements(By.CSS_SELECTOR, "#picker-household-results .picker-hit"))
            and expected in (text := " ".join(hit.text for hit in hits))
            and text
        ),
        message=f"no suggestion for {typed}",
    )


def test_the_desk_finds_a_caller_by_part_of_her_name_and_by_initials_and_opens_a_case(
    browser, bureau_staff, yang
):
    need = NeedFactory(household=yang)
    browser.log_in(bureau_staff.username)
    browser.get(browser.url("/staff/referrals/intake/new/"))

    found = suggestions(browser, "桂仙", "530428-00123")
    assert "530428-00123" in found and "530428-00456" not in found
    # the neighbour's name in between: the initials' hits below are fresh, not the ones above
    found = suggestions(browser, "王小明", "530428-00456")
    assert "530428-00456" in found and "530428-00123" not in found
    found = suggestions(browser, "ygx", "530428-00123")
    assert "530428-00123" in found and "530428-00456" not in found
    assert "ygx" not in browser.current_url

    browser.find_element(By.CSS_SELECTOR, "#picker-household-results .picker-hit").click()
    WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.NAME, "household").get_attribute("value") == str(yang.pk)
    )
    assert "530428-00123" in browser.find_element(By.CSS_SELECTOR, ".picker-chosen").text
    fill(browser, "description", "来窗口询问上门照料")
    press(browser, "open-case")

    intake = IntakeCase.objects.get()
    assert (intake.source, intake.household, intake.need) == ("walk_in", yang, None)
    assert browser.current_url.endswith(f"/staff/referrals/intake/{intake.pk}/")
    press_css(browser, f"#take-need-{need.pk}")
    assert IntakeCase.objects.get(pk=intake.pk).need == need
