"""In headless Chromium, the whole loop by the people who do it: the assistant records a need,
the township desk refers it to the station the engine ranks, the station accepts in one click,
logs two sessions and completes, the desk records the household's feedback, and the county's
dashboard shows it."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bangfu.referrals.models import Feedback, IntakeCase, Referral
from bangfu.registry.models import Need, ServiceCategory

pytestmark = pytest.mark.browser


def fill(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def set_date(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    browser.execute_script("arguments[0].value = arguments[1]", field, value)


def click_and_wait(browser, css: str) -> None:
    """Click a button that loads a new page, and wait for it."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, 20).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


def text(browser, css: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text


def test_a_need_from_the_visit_to_the_dashboard(
    browser, assistant, desk, county_staff, station, other_station, household
):
    care = ServiceCategory.objects.get(code="care")
    today = timezone.localdate().isoformat()

    # The assistant records a visit that finds a need for care.
    browser.log_in(assistant.username)
    browser.get(browser.url(f"/staff/households/{household.pk}/visits/new/"))
    set_date(browser, "assessed_on", today)
    fill(browser, "summary", "老人独居，行动不便")
    Select(browser.find_element(By.NAME, "needs-0-category")).select_by_value(str(care.pk))
    Select(browser.find_element(By.NAME, "needs-0-severity")).select_by_value("4")
    Select(browser.find_element(By.NAME, "needs-0-urgency")).select_by_value("soon")
    fill(browser, "needs-0-preferred_times", "上午")
    click_and_wait(browser, "main form button[type=submit]")
    need = Need.objects.get(household=household)

    # The township desk takes it to the intake desk and refers it to the ranked station.
    browser.log_in(desk.username)
    browser.get(browser.url("/staff/referrals/"))
    click_and_wait(browser, f"a[href$='/intake/new/?need={need.pk}']")
    click_and_wait(browser, "button[name=open-case]")
    intake = IntakeCase.objects.get(need=need)
    assert browser.current_url.endswith(f"/staff/referrals/intake/{intake.pk}/")
    assert station.organisation.name in text(browser, "table.candidates")
    click_and_wait(browser, f"#refer-station-{station.provider_id}")
    referral = Referral.objects.get(need=need)
    assert referral.provider == station.provider and referral.score is not None

    # The station accepts in one click (the row changes in place), logs two sessions, completes.
    browser.log_in(station.staff.username)
    browser.get(browser.url("/portal/"))
    browser.find_element(By.CSS_SELECTOR, f"#referral-{referral.pk} button[name=accept]").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#referral-{referral.pk} .status-accepted")
    )
    browser.get(browser.url(f"/portal/{referral.pk}/"))
    assert "幸福路8号" in text(browser, "main")
    for logged, (minutes, notes) in enumerate(
        (("60", "上门照料，整理房间"), ("90", "陪同到卫生院复诊")), start=1
    ):
        set_date(browser, "held_on", today)
        fill(browser, "duration_minutes", minutes)
        fill(browser, "notes", notes)
        # Logged in place (htmx): the log grows on the same page.
        browser.find_element(By.CSS_SELECTOR, "button[name=log-session]").click()
        WebDriverWait(browser, 20).until(
            lambda d, n=logged: len(d.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")) == n
        )
    assert len(browser.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")) == 2
    fill(browser, "outcome", "老人生活基本能自理")
    click_and_wait(browser, "button[name=complete-case]")
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.COMPLETED
    assert Need.objects.get(pk=need.pk).status == Need.Status.MET

    # The desk records what the household said.
    browser.log_in(desk.username)
    browser.get(browser.url(f"/staff/referrals/{referral.pk}/"))
    browser.find_element(By.CSS_SELECTOR, "input[name=satisfaction][value='5']").click()
    fill(browser, "comments", "社工很耐心")
    click_and_wait(browser, "button[name=record-feedback]")
    assert Feedback.objects.get(referral=referral).satisfaction == 5

    # The county's dashboard shows the completed referral.
    browser.log_in(county_staff.username)
    browser.get(browser.url("/staff/referrals/dashboard/"))
    assert text(browser, "#stat-total") == "1"
    assert text(browser, "#by-status td[data-status=completed]") == "1"
    assert text(browser, "#stat-service") == "0"
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart rect")
