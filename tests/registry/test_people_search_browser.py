"""In headless Chromium: typing in the household picker suggests households (by part of a name
and by pinyin initials), choosing one fills the form's hidden input, and the header's search box
shows the households found at a URL that holds no query."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import HouseholdFactory, MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.registry.picker_page")]


@pytest.fixture
def yang(county_a):
    _county, _town, village = county_a
    household = HouseholdFactory(region=village, registry_number="530428-00123")
    MemberFactory(household=household, name="杨桂仙")
    other = HouseholdFactory(region=village, registry_number="530428-00456")
    MemberFactory(household=other, name="王小明")
    return household


def suggestions(browser, typed: str, expected: str = "530428-00123") -> list[str]:
    box = browser.find_element(By.ID, "picker-household-q")
    box.clear()
    box.send_keys(typed)
    WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: expected in d.find_element(By.ID, "picker-household-results").text
    )
    return [item.text for item in browser.find_elements(By.CSS_SELECTOR, ".picker-hit")]


def test_the_picker_finds_by_part_of_a_name_and_by_initials_and_fills_the_form(
    browser, bureau_staff, yang
):
    browser.log_in(bureau_staff.username)
    browser.get(browser.url("/picker-page/"))

    assert len(suggestions(browser, "桂仙")) == 1
    # the neighbour's name in between: the initials' hit below is fresh, not the one above
    assert len(suggestions(browser, "王小明", expected="530428-00456")) == 1
    (found,) = suggestions(browser, "ygx")
    assert "杨*仙" in found and "杨桂仙" not in found
    browser.find_element(By.CSS_SELECTOR, ".picker-hit").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".picker-chosen"))
    hidden = browser.find_element(By.CSS_SELECTOR, "input[type=hidden][name=household]")
    assert hidden.get_attribute("value") == str(yang.pk)
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "posted"))
    assert browser.find_element(By.ID, "posted").text == f"posted {yang.pk}"


def test_the_header_search_shows_households_at_a_url_without_the_query(browser, bureau_staff, yang):
    browser.log_in(bureau_staff.username)
    browser.get(browser.url("/staff/"))
    box = browser.find_element(By.ID, "topsearch-q")
    box.send_keys("yangguixian")
    box.submit()
    WebDriverWait(browser, 20).until(lambda d: "search=" in d.current_url)

    assert "530428-00123" in browser.page_source and "530428-00456" not in browser.page_source
    assert "yang" not in browser.current_url
