"""In headless Chromium, a bureau manager's first log-in with second factors enforced: the
enrolment page shows a QR code and the key, the code an app would compute from that key is
accepted, ten recovery codes follow, and the to-do list opens — on a desk and on a phone."""

import os
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bangfu.accounts.models import Membership, Organisation
from tests.factories import OrganisationFactory, UserFactory, member_of, region_chain

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("BANGFU_SHOTS", "/tmp/w/shots"))


def click_and_wait(browser, element) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 20).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_manager_enrols_an_authenticator_at_the_first_log_in(browser, settings, width):
    settings.TWO_FACTOR_ENFORCED = True
    *_above, county, _town, _village = region_chain("530428", "101", "201")
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    manager = UserFactory(username=f"manager_{width}")
    member_of(manager, bureau, Membership.Role.BUREAU_MANAGER)
    browser.set_window_size(width, 1400)

    browser.log_in(manager.username)

    assert "/accounts/two-factor/enrol/" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, ".qr-code svg").is_displayed()
    secret = browser.find_element(By.ID, "totp-secret").text.replace(" ", "")
    # What an authenticator app computes from the key it was given (RFC 6238, 30 s, 6 digits).
    code = f"{totp(b32decode(secret)):06d}"
    fits = "return document.documentElement.scrollWidth <= window.innerWidth"
    assert browser.execute_script(fits), "the enrolment page scrolls sideways"
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"two-factor-enrol-{width}.png"))
    browser.find_element(By.NAME, "code").send_keys(code)
    confirm = browser.find_element(By.CSS_SELECTOR, "main form[action$='/enrol/'] button")
    click_and_wait(browser, confirm)

    codes = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#recovery-codes li")]
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=manager).values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get(user=manager).confirmed
    assert browser.execute_script(fits), "the recovery codes scroll sideways"
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main a.button"))

    assert browser.current_url.endswith("/staff/start/")
    assert browser.find_elements(By.CSS_SELECTOR, "ol.todos")
