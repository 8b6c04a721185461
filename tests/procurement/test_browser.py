"""In headless Chromium: a project drafted, refused over the cap with the headroom shown, sent
back, cut down, approved, delivered (by hand, and through a referral its agency serves) and
evaluated, by the people who do it."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bangfu.procurement.models import CatalogueItem, Project
from bangfu.referrals.models import Referral
from tests.factories import NeedFactory

pytestmark = pytest.mark.browser


def set_date(browser, name: str, value: str) -> None:
    # Date pickers differ by locale; set the ISO value the form posts, as the picker would.
    field = browser.find_element(By.NAME, name)
    browser.execute_script("arguments[0].value = arguments[1]", field, value)


def fill(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def press_css(browser, css: str) -> None:
    """Click what loads a new page, and wait for it."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, 20).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


def press(browser, name: str) -> None:
    press_css(browser, f"[name='{name}']")


def text(browser, css: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text


def test_a_project_from_draft_to_evaluation_report(
    browser, funded, staff, manager, agency, agency_staff, household_a
):
    care = CatalogueItem.objects.get(code="home-care")

    # Staff draft a project of 1,100 hours of home care: 44,000 yuan against a 40,000 cap.
    browser.log_in(staff.username)
    browser.get(browser.url("/staff/procurement/projects/new/"))
    fill(browser, "name", "特困老人居家照料")
    Select(browser.find_element(By.NAME, "region")).select_by_value(str(funded.pk))
    Select(browser.find_element(By.NAME, "agency")).select_by_value(str(agency.pk))
    Select(browser.find_element(By.NAME, "procurement_method")).select_by_value(
        "competitive_consultation"
    )
    fill(browser, "contract_number", "YJMZ-FW-2026-007")
    fill(browser, "complaint_channel", "元江县民政局社会救助股 0877-6012345")
    set_date(browser, "starts_on", "2026-03-01")
    set_date(browser, "ends_on", "2026-12-31")
    fill(browser, "target_households", "2")
    Select(browser.find_element(By.NAME, "lines-0-item")).select_by_value(str(care.pk))
    fill(browser, "lines-0-quantity", "1100")
    Select(browser.find_element(By.NAME, "lines-0-funding_source")).select_by_value("work_funds")
    press(browser, "save-project")
    project = Project.objects.get(name="特困老人居家照料")
    assert browser.current_url.endswith(f"/projects/{project.pk}/")
    assert "44,000.00" in text(browser, "#project-amount")
    press(browser, "submit-project")

    # The manager tries to approve: refused, and the page says how much room is left.
    browser.log_in(manager.username)
    browser.get(browser.url(f"/staff/procurement/projects/{project.pk}/"))
    press(browser, "approve-project")
    error = text(browser, "#action-errors")
    assert "40,000.00" in error and "44,000.00" in error
    assert "40,000.00" in text(browser, ".cap-box .headroom")
    fill(browser, "reason", "超出年度上限，请压缩至 900 小时")
    press(browser, "return-project")

    # Staff cut it to 900 hours (36,000 yuan) and submit again.
    browser.log_in(staff.username)
    browser.get(browser.url(f"/staff/procurement/projects/{project.pk}/edit/"))
    fill(browser, "lines-0-quantity", "900")
    press(browser, "save-project")
    assert "36,000.00" in text(browser, "#project-amount")
    press(browser, "submit-project")

    # Approved under the cap: 4,000.00 of headroom remains.
    browser.log_in(manager.username)
    browser.get(browser.url(f"/staff/procurement/projects/{project.pk}/"))
    press(browser, "approve-project")
    assert "4,000.00" in text(browser, ".cap-box .headroom")
    project.refresh_from_db()
    assert project.status == Project.Status.APPROVED

    # Staff start it and record two deliveries, one to a household.
    browser.log_in(staff.username)
    browser.get(browser.url(f"/staff/procurement/projects/{project.pk}/"))
    press(browser, "start-project")
    for day, hours, household in (
        ("2026-03-06", "40", household_a.registry_number),
        ("2026-04-02", "20", ""),
    ):
        set_date(browser, "delivered_on", day)
        fill(browser, "quantity", hours)
        fill(browser, "household", household)
        Select(browser.find_element(By.NAME, "satisfaction")).select_by_value("5")
        press(browser, "record-delivery")
    assert project.deliveries.count() == 2
    delivered_row = text(browser, "#lines-title + .table-wrap tbody tr")
    assert "60" in delivered_row and "2,400.00" in delivered_row  # 60 h × 40 yuan

    # A household's need for care goes from the intake desk to the project the engine proposes.
    need = NeedFactory(household=household_a, category=care.category)
    browser.get(browser.url("/staff/referrals/"))
    press_css(browser, f"a[href$='/intake/new/?need={need.pk}']")
    press(browser, "open-case")
    press_css(browser, f"#refer-project-{project.pk}")
    referral = Referral.objects.get(need=need)
    assert referral.provider == project.provider

    # The agency's staff accept it in their portal and log a two-hour session.
    browser.log_in(agency_staff.username)
    browser.get(browser.url("/portal/"))
    browser.find_element(By.CSS_SELECTOR, f"#referral-{referral.pk} button[name=accept]").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#referral-{referral.pk} .status-accepted")
    )
    browser.get(browser.url(f"/portal/{referral.pk}/"))
    set_date(browser, "held_on", "2026-11-20")
    fill(browser, "duration_minutes", "120")
    # Logged in place (htmx): the log grows on the same page.
    browser.find_element(By.CSS_SELECTOR, "button[name=log-session]").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")
    )
    assert "2" in text(browser, "#sessions tbody tr td:last-child")

    # The project page counts the session against the line: 62 hours, 2,480.00 yuan delivered.
    browser.log_in(staff.username)
    browser.get(browser.url(f"/staff/procurement/projects/{project.pk}/"))
    delivered_row = text(browser, "#lines-title + .table-wrap tbody tr")
    assert "62" in delivered_row and "2,480.00" in delivered_row
    assert str(referral) in text(browser, "#project-referrals")
    assert project.deliveries.count() == 3

    # The evaluation: the evaluator's scores, then the report with its charts.
    browser.get(browser.url(f"/staff/procurement/projects/{project.pk}/evaluate/"))
    for field in browser.find_elements(By.CSS_SELECTOR, "input[name^='score_']"):
        field.send_keys("85")
    press(browser, "record-evaluation")
    evaluation = project.evaluations.get()
    assert browser.current_url.endswith(f"/evaluations/{evaluation.pk}/")
    assert text(browser, "#final-score") == str(evaluation.final_score)
    assert text(browser, "#grade") == evaluation.get_grade_display()
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 2
    assert household_a.members.get().name not in browser.page_source
