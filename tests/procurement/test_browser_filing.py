"""In headless Chromium, the cap and the filing (备案) as the people who use them: a county bureau
files a project paid from the aid funds, the city bureau acknowledges it in its inbox, the county
manager approves; a second project over the headroom is warned at submit, refused at approval,
and the refusal stays in its history."""

import pytest
from selenium.webdriver.common.by import By

from bangfu.accounts.models import Membership, Organisation
from bangfu.procurement.models import Filing, FundingSource, Project
from tests.factories import OrganisationFactory, UserFactory, member_of

from .test_browser import press, text

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def city_manager(county):
    user = UserFactory(username="city_manager")
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, region=county.parent, name=f"{county.parent.name}民政局"
    )
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user


def status(project: Project) -> str:
    return Project.objects.get(pk=project.pk).status


def test_a_filing_goes_up_and_back_and_a_purchase_over_the_headroom_is_refused(
    browser, funded, staff, manager, city_manager, make_project, tmp_path
):
    aid = make_project(name="特困老人居家照料", quantity="750", source=FundingSource.SUBSIDY)
    over = make_project(name="困难群众心理疏导", quantity="300")  # 12,000.00 > 10,000.00 left
    form = tmp_path / "备案表.pdf"
    form.write_bytes(PDF)
    page = f"/staff/procurement/projects/{aid.pk}/"

    # The county's staff send the filing with its PDF, then submit the project.
    browser.log_in(staff.username)
    browser.get(browser.url(page))
    browser.find_element(By.NAME, "documents").send_keys(str(form))
    press(browser, "send-filing")
    assert Filing.objects.get(project=aid).status == Filing.Status.SENT
    press(browser, "submit-project")
    assert status(aid) == Project.Status.SUBMITTED

    # The city bureau finds it in its inbox and acknowledges it.
    browser.log_in(city_manager.username)
    browser.get(browser.url("/staff/procurement/filings/"))
    assert "特困老人居家照料" in browser.page_source
    browser.find_element(By.NAME, "ack-reference").send_keys("玉民政备〔2026〕7号")
    press(browser, "acknowledge-filing")
    assert Filing.objects.get(project=aid).status == Filing.Status.ACKNOWLEDGED

    # The county manager approves: 30,000.00 of the 40,000.00 cap is committed.
    browser.log_in(manager.username)
    browser.get(browser.url(page))
    assert "玉民政备〔2026〕7号" in text(browser, "#filing-reference")
    press(browser, "approve-project")
    assert status(aid) == Project.Status.APPROVED
    assert "10,000.00" in text(browser, ".cap-box .headroom")

    # The second project is warned before it goes for approval and when it is submitted.
    browser.log_in(staff.username)
    browser.get(browser.url(f"/staff/procurement/projects/{over.pk}/"))
    assert "12,000.00" in text(browser, "#headroom-warning")
    press(browser, "submit-project")
    assert "10,000.00" in text(browser, "#headroom-warning")

    # Refused at approval, with the figures, and the refusal stays in the project's history.
    browser.log_in(manager.username)
    browser.get(browser.url(f"/staff/procurement/projects/{over.pk}/"))
    press(browser, "approve-project")
    assert "12,000.00" in text(browser, "#action-errors")
    assert status(over) == Project.Status.SUBMITTED
    browser.get(browser.url(f"/staff/procurement/projects/{over.pk}/"))
    refusal = text(browser, "#history-title + ul li.refusal")
    assert "12,000.00" in refusal and "10,000.00" in refusal
    browser.save_screenshot(str(tmp_path / "refused.png"))
