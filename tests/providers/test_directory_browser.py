"""In headless Chromium: bureau staff register a volunteer with the times they are free; the
volunteer logs in, changes their times and pauses; the intake desk's engine stops proposing them
while they are paused and proposes them again once they resume."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bangfu.accounts.models import Membership, Organisation
from bangfu.providers.models import Volunteer
from bangfu.referrals.models import IntakeCase
from bangfu.registry.models import Member, ServiceCategory
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
)
from tests.referrals.test_browser import click_and_wait, fill

pytestmark = pytest.mark.browser
FIRST_PASSWORD = "a-long-first-password-9"


def tick(browser, name: str, value: str) -> None:
    box = browser.find_element(By.CSS_SELECTOR, f"input[name={name}][value='{value}']")
    if not box.is_selected():
        box.click()


def proposed(browser, intake: IntakeCase) -> str:
    browser.get(browser.url(f"/staff/referrals/intake/{intake.pk}/"))
    return browser.find_element(By.ID, "h-candidates").find_element(By.XPATH, "..").text


def test_a_volunteer_registered_by_staff_keeps_their_times_and_pauses(browser):
    *_above, county, _town, village = region_chain("530428", "101", "201")
    staff = UserFactory(username="county_desk")
    member_of(
        staff,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county),
        Membership.Role.BUREAU_STAFF,
    )
    committee = OrganisationFactory(
        kind=Organisation.Kind.VILLAGE_COMMITTEE, region=village, name="村201村委会"
    )
    care = ServiceCategory.objects.get(code="care")
    household = HouseholdFactory(
        region=village, latitude=Decimal("23.600"), longitude=Decimal("102.000")
    )
    MemberFactory(household=household, relation=Member.Relation.HEAD)
    need = NeedFactory(household=household, category=care, preferred_times="周末上午")
    intake = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT, region=village, need=need, opened_by=staff
    )

    # Bureau staff register a volunteer free on Saturday mornings.
    browser.log_in(staff.username)
    browser.get(browser.url("/providers/"))
    click_and_wait(browser, "a[href$='/providers/volunteers/new/']")
    fill(browser, "display_name", "赵敏")
    fill(browser, "phone", "13912345670")
    fill(browser, "username", "zhaomin")
    fill(browser, "password", FIRST_PASSWORD)
    Select(browser.find_element(By.NAME, "organisation")).select_by_value(str(committee.pk))
    Select(browser.find_element(By.NAME, "home_region")).select_by_value(str(village.pk))
    tick(browser, "categories", str(care.pk))
    tick(browser, "available_times", "6-morning")
    click_and_wait(browser, "main form button[type=submit]")
    volunteer = Volunteer.objects.get(user__username="zhaomin")
    assert volunteer.available_times == [{"day": 6, "start": "08:00", "end": "12:00"}]
    assert "赵敏" in proposed(browser, intake)

    # The volunteer logs in, adds Sunday mornings, and pauses.
    browser.log_in("zhaomin", FIRST_PASSWORD)
    click_and_wait(browser, "nav.mainnav a[href$='/providers/me/']")
    tick(browser, "available_times", "7-morning")
    click_and_wait(browser, "button[name=save]")
    volunteer.refresh_from_db()
    assert [entry["day"] for entry in volunteer.available_times] == [6, 7]
    fill(browser, "note", "回老家一周")
    click_and_wait(browser, "button[name=pause]")
    volunteer.provider.refresh_from_db()
    assert volunteer.provider.is_paused

    # While they are paused the engine does not propose them.
    browser.log_in(staff.username)
    assert "赵敏" not in proposed(browser, intake)

    # They resume, and are proposed again.
    browser.log_in("zhaomin", FIRST_PASSWORD)
    browser.get(browser.url("/providers/me/"))
    click_and_wait(browser, "button[name=resume]")
    browser.log_in(staff.username)
    assert "赵敏" in proposed(browser, intake)
