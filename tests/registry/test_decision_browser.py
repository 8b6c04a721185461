"""In headless Chromium, a status decided as the documents say (003: 「审核确认权下放至
乡镇（街道）」): the village's assistant verifies a warning about the severely disabled son of a
低保边缘 household and recommends 单人纳保 for him; the township's reviewer finds it in the queue
and confirms it with the benefits system's reference; the household page shows the decision,
and the calculator's panel the son's entitlement as a household of one."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery.models import Flag, Rule, Task
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Member, StatusDecision, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
    township_reviewer,
)

pytestmark = pytest.mark.browser

REFERENCE = "元民救〔2026〕301号"
# Screenshots for a person to look at; nothing is asserted on them.
SHOTS = Path(os.environ.get("BANGFU_SHOTS", "/tmp/w/shots"))


@pytest.fixture
def people(db):
    """County 530428's township 101 and village 201, its assistant and reviewer, and a 低保边缘
    household: the mother, and a son with a grade-1 physical disability and no income."""
    *_above, county, town, village = region_chain("530428", "101", "201")
    PolicyValue.objects.create(key="minimum_wage_monthly", region=county, year=2020, value="1760")
    station = OrganisationFactory(kind=Organisation.Kind.STATION, name="镇101社工站", region=town)
    assistant = UserFactory(username="assistant")
    member_of(assistant, station, Membership.Role.ASSISTANT, villages=[village])
    home = HouseholdFactory(region=village, registry_number="530428-00301", tier=Tier.MARGINAL)
    MemberFactory(household=home, name="杨桂仙", monthly_income="900.00")
    son = MemberFactory(
        household=home,
        name="杨小军",
        relation=Member.Relation.CHILD,
        disability=Member.Disability.PHYSICAL,
        disability_grade=1,
        monthly_income="0.00",
    )
    today = timezone.localdate()
    task = Task.objects.create(
        kind=Task.Kind.VERIFY, region=village, household=home, assignee=assistant, due_on=today
    )
    Flag.objects.create(
        rule=Rule.SEVERE_DISABILITY,
        key=f"severe:{son.pk}",
        region=village,
        household=home,
        member=son,
        evidence={
            "registered_on": today.isoformat(),
            "disability": "physical",
            "grade": 1,
            "tier": "marginal",
        },
        fired_on=today,
        task=task,
    )
    return {
        "assistant": assistant,
        "reviewer": township_reviewer(town, "reviewer_101"),
        "home": home,
        "son": son,
        "task": task,
    }


def click_and_wait(browser, element) -> None:
    """Click a button that loads a new page, and wait for it."""
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 20).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


def submit_of(browser, field_css: str):
    """The submit button of the form that holds the field."""
    field = browser.find_element(By.CSS_SELECTOR, field_css)
    return field.find_element(By.XPATH, "./ancestor::form").find_element(
        By.CSS_SELECTOR, "button[type=submit]"
    )


def shoot(browser, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    width = browser.get_window_size()["width"]
    browser.set_window_size(width, max(height, 800))
    browser.save_screenshot(str(SHOTS / f"{name}-{width}.png"))


def test_the_assistant_recommends_and_the_township_confirms_single_person_dibao(browser, people):
    son, home = people["son"], people["home"]
    browser.set_window_size(1280, 1600)
    browser.log_in(people["assistant"].username)
    browser.get(browser.url(f"/staff/discovery/tasks/{people['task'].pk}/"))
    browser.find_element(By.CSS_SELECTOR, "input[name=outcome][value=recommended]").click()
    Select(browser.find_element(By.NAME, "kind")).select_by_value("enrol")
    Select(browser.find_element(By.NAME, "member")).select_by_value(str(son.pk))
    Select(browser.find_element(By.NAME, "to_status")).select_by_value("single_dibao")
    browser.find_element(By.NAME, "note").send_keys("一级肢体残疾，常年卧床，母亲务农")
    click_and_wait(browser, submit_of(browser, "input[name=outcome]"))

    decision = StatusDecision.objects.get()
    assert (decision.state, decision.member_id, decision.to_status) == (
        "proposed",
        son.pk,
        "single_dibao",
    )
    son.refresh_from_db()
    assert son.personal_status == "none"  # the assistant recommends; nothing changes yet

    browser.log_in(people["reviewer"].username)
    browser.get(browser.url("/staff/decisions/"))
    queue = browser.find_element(By.CSS_SELECTOR, "table.data").text
    assert home.registry_number in queue and "杨*军" in queue and "杨小军" not in queue
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, f"a[href$='/decisions/{decision.pk}/']")
    )
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "一级肢体残疾" in page and son.id_number not in browser.page_source
    browser.set_window_size(390, 1600)
    shoot(browser, "decision-detail")
    browser.set_window_size(1280, 1600)
    browser.find_element(By.NAME, "confirm-reference").send_keys(REFERENCE)
    click_and_wait(browser, submit_of(browser, "input[name=confirm-reference]"))

    assert f"/staff/households/{home.pk}/" in browser.current_url
    coverage = browser.find_element(By.ID, "coverage").text
    assert REFERENCE in coverage and "单人纳保" in coverage and "杨*军" in coverage
    assert REFERENCE in browser.find_element(By.ID, "timeline").text
    # The calculator: the son as a household of one, the county's standard, 45% of 1,760.
    rows = browser.find_elements(By.CSS_SELECTOR, "#entitlement tbody tr")
    (son_row,) = [row for row in rows if "杨*军" in row.text]
    assert "单人纳保" in son_row.text and "792.00" in son_row.text
    son.refresh_from_db()
    home.refresh_from_db()
    assert (son.personal_status, home.tier) == ("single_dibao", Tier.DIBAO)
    shoot(browser, "household-after-decision")
    browser.set_window_size(390, 1600)
    browser.refresh()
    shoot(browser, "household-after-decision")
