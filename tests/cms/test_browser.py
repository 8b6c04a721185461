"""In headless Chromium, the charity offer's whole way and a visitor's help request: a charity
posts an offer, the bureau approves it, it shows on the public site, matched households are
allocated and delivery recorded, and the quantity left drops; a visitor asks for help and finds
the request's progress by its code."""

import pytest
from django.utils import timezone, translation
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bangfu.offers.models import Allocation, Offer
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.public_intake import STAGES
from cms.services import site_ensure

pytestmark = pytest.mark.browser


def fill(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def set_date(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    browser.execute_script("arguments[0].value = arguments[1]", field, value)


def click_and_wait(browser, css: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, 20).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


def households_left(browser, url: str) -> int:
    browser.get(url)
    return int(browser.find_element(By.ID, "households-left").get_attribute("data-left"))


def test_an_offer_from_the_charity_to_the_households(
    browser, restored_sequences, charity, charity_user, bureau_staff, make_need, hardship
):
    site_ensure()
    needs = [make_need() for _ in range(3)]
    today = timezone.localdate()

    # The charity posts an offer and sends it for review.
    browser.log_in(charity_user.username)
    browser.get(browser.url("/charity/offers/new/"))
    fill(browser, "title", "冬季棉被")
    fill(browser, "description", "每户两床新棉被，由乡镇民政办统一发放。")
    Select(browser.find_element(By.NAME, "kind")).select_by_value("goods")
    Select(browser.find_element(By.NAME, "category")).select_by_value(str(hardship.pk))
    fill(browser, "quantity", "10")
    fill(browser, "unit", "床")
    fill(browser, "units_per_household", "2")
    fill(browser, "amount_per_household", "260.00")
    browser.find_element(By.CSS_SELECTOR, "input[name=tiers][value=dibao]").click()
    set_date(browser, "valid_from", today.isoformat())
    set_date(browser, "valid_until", (today + timezone.timedelta(days=30)).isoformat())
    Select(browser.find_element(By.NAME, "delivery_method")).select_by_value("township_handout")
    click_and_wait(browser, "main form button[type=submit]")
    offer = Offer.objects.get()
    click_and_wait(browser, f"form[action$='/charity/offers/{offer.pk}/submit/'] button")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING

    # The bureau approves it; it is on the public site with all five households' worth left.
    browser.log_in(bureau_staff.username)
    browser.get(browser.url("/staff/offers/"))
    click_and_wait(browser, f"a[href='/staff/offers/{offer.pk}/']")
    click_and_wait(browser, f"form[action$='/staff/offers/{offer.pk}/approve/'] button")
    browser.delete_all_cookies()
    browser.get(browser.url("/offers/"))
    click_and_wait(browser, f"a[href='/offers/offer-{offer.pk}/']")
    public_url = browser.current_url
    assert "冬季棉被" in browser.find_element(By.TAG_NAME, "h1").text
    assert households_left(browser, public_url) == 5

    # The bureau allocates it to two of the matched households.
    browser.log_in(bureau_staff.username)
    for need in needs[:2]:
        browser.get(browser.url(f"/staff/offers/{offer.pk}/"))
        click_and_wait(browser, f"#eligible-needs input[value='{need.pk}'] + button")
    assert Allocation.objects.filter(offer=offer).count() == 2
    assert browser.find_element(By.ID, "offer-left").text.startswith("6 / 10")

    # The charity sees two coded households and records one delivery.
    browser.log_in(charity_user.username)
    browser.get(browser.url(f"/charity/offers/{offer.pk}/"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#allocations tbody tr")
    assert len(rows) == 2
    first = Allocation.objects.filter(offer=offer).order_by("allocated_at", "pk").first()
    set_date(browser, "delivered_on", today.isoformat())
    click_and_wait(browser, f"form[action$='/charity/allocations/{first.pk}/deliver/'] button")
    first.refresh_from_db()
    assert first.status == Allocation.Status.DELIVERED

    # The public page shows what is left.
    browser.delete_all_cookies()
    assert households_left(browser, public_url) == 3


def test_a_visitor_asks_for_help_and_follows_it(
    browser, restored_sequences, county_a, bureau_staff
):
    site_ensure()
    township = county_a[1]
    browser.delete_all_cookies()
    browser.get(browser.url("/"))
    click_and_wait(browser, ".hero a[href='/help/']")
    fill(browser, "name", "张晓梅")
    fill(browser, "phone", "13912345678")
    Select(browser.find_element(By.NAME, "township")).select_by_value(str(township.pk))
    fill(browser, "description", "母亲中风卧床，我要上班，白天没人照顾，想申请照料服务。")
    browser.find_element(By.NAME, "consent").click()
    click_and_wait(browser, "main form button[type=submit]")
    code = browser.find_element(By.ID, "tracking-code").text
    assert IntakeCase.objects.get().source == IntakeCase.Source.PUBLIC_FORM

    # "Check progress" leads to the status page, its code filled in from the session (never
    # the URL); the phone is typed again.
    click_and_wait(browser, "main a[href='/help/status/']")
    assert browser.find_element(By.NAME, "code").get_attribute("value") == code
    fill(browser, "phone", "13912345678")
    click_and_wait(browser, "main form button[type=submit]")
    with translation.override("zh-hans"):
        submitted = str(dict(STAGES)["submitted"])
    # Nobody at the township has seen it yet: it says so.
    assert browser.find_element(By.ID, "status-stage").text == submitted
    page = browser.page_source
    assert "张晓梅" not in page and "13912345678" not in page and "中风" not in page
