"""In headless Chromium, in Chinese: staff open a finished run, read why a provider was
proposed, send a township's suggestions as referrals, and the station finds them in its inbox;
the fairness table shows the township."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from bangfu.accounts.models import Membership
from bangfu.matching_runs.models import MatchingRun
from bangfu.matching_runs.services import run_request
from bangfu.referrals.models import Referral
from tests.factories import UserFactory, member_of
from tests.matching_runs.conftest import household_with_need

pytestmark = pytest.mark.browser


def test_staff_send_a_townships_suggestions_and_the_station_sees_them(
    browser, county, providers, bureau
):
    region, town1, village1, town2, village2 = county
    station1 = providers[0]
    here = [household_with_need(village1, seq=i) for i in range(2)]
    household_with_need(village2)
    run = run_request(kind="allocate", region=region, by=bureau)  # runs once committed
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE, run.error

    browser.log_in(bureau.username)
    browser.get(browser.url(reverse("matching_runs:run-detail", args=[run.pk])))
    WebDriverWait(browser, 20).until(lambda d: "建议的服务提供方" in d.page_source)
    reasons = browser.find_element(By.CSS_SELECTOR, "ul.components").text
    # The catalogue's Chinese, not the Chinese quoted inside the English msgids.
    assert "距离" in reasons and "减半" in reasons and "连续性" in reasons
    assert "Distance" not in reasons
    fairness = browser.find_element(By.CSS_SELECTOR, f'tr[data-township="{town1.code}"]')
    assert town1.name in fairness.text
    assert browser.find_elements(By.CSS_SELECTOR, f'tr[data-township="{town2.code}"]')

    Select(browser.find_element(By.NAME, "township")).select_by_value(str(town1.pk))
    browser.find_element(By.CSS_SELECTOR, "button[name=action][value=township]").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "h-sent"))
    sent = list(Referral.objects.order_by("need_id"))
    assert [referral.need_id for referral in sent] == [need.pk for need in here]
    for need in here:
        assert need.household.registry_number in browser.page_source

    staff = UserFactory(username="station1_staff")
    member_of(staff, station1.organisation, Membership.Role.STATION_STAFF)
    browser.log_in(staff.username)
    browser.get(browser.url(reverse("portal:inbox")))
    for referral in sent:
        WebDriverWait(browser, 20).until(
            lambda d, pk=referral.pk: d.find_elements(
                By.CSS_SELECTOR, f'a[href="{reverse("portal:case", args=[pk])}"]'
            )
        )
