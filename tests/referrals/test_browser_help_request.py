"""In headless Chromium, a help request from the public site to its close (issue #14, done-when
2): a visitor asks for help naming their township and village; the request is on the township
desk's to-do list; the desk acknowledges it, refers it through the intake case, the station
takes it on and serves it, which closes it as served. After each step, and only after it, the
visitor's status page shows it."""

import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bangfu.referrals import services
from bangfu.referrals.models import HelpRequest, Referral

from .test_browser import click_and_wait, fill, text

pytestmark = pytest.mark.browser

PHONE = "13912340001"


def status_steps(browser, code: str) -> list[str]:
    """What the visitor sees: the status page, the code and the phone typed in."""
    browser.delete_all_cookies()
    browser.get(browser.url("/help/status/"))
    fill(browser, "code", code)
    fill(browser, "phone", PHONE)
    click_and_wait(browser, "main form button[type=submit]")
    steps = browser.find_elements(By.CSS_SELECTOR, "#status-steps li.done")
    return [step.get_attribute("data-step") for step in steps]


def test_a_help_request_reaches_the_township_and_tells_the_visitor_each_step(
    browser, place, desk, assistant, engine, station, household, need
):
    cache.clear()  # the form's rate limits
    # A visitor asks for help, naming the township and the village.
    browser.get(browser.url("/help/"))
    fill(browser, "name", "李秀英")
    fill(browser, "phone", "139 1234 0001")
    Select(browser.find_element(By.NAME, "township")).select_by_value(str(place["town"].pk))
    Select(browser.find_element(By.NAME, "village")).select_by_value(str(place["village"].pk))
    fill(browser, "description", "我母亲82岁，摔了一跤下不了床，想请人上门照看几天。")
    browser.find_element(By.NAME, "consent").click()
    click_and_wait(browser, "main form button[type=submit]")
    code = text(browser, "#tracking-code")
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    # The confirmation's button leads to the status page with the code filled in from the
    # session: neither the code nor the phone is in the URL.
    href = browser.find_element(By.ID, "check-progress").get_attribute("href")
    assert href.endswith("/help/status/")
    click_and_wait(browser, "#check-progress")
    assert browser.find_element(By.NAME, "code").get_attribute("value") == code
    help_request = HelpRequest.objects.get()
    assert status_steps(browser, code) == ["submitted"]

    # It is on the township desk's to-do list, and on the village assistant's.
    browser.log_in(assistant.username)
    browser.get(browser.url("/staff/start/"))
    assert code in text(browser, "ol.todos")
    browser.log_in(desk.username)
    browser.get(browser.url("/staff/start/"))
    click_and_wait(browser, f"ol.todos a[href$='/staff/referrals/help/{help_request.pk}/']")
    assert "李秀英" in text(browser, "main")
    assert status_steps(browser, code) == ["submitted"]  # read, not yet acknowledged

    # The desk acknowledges it.
    browser.log_in(desk.username)
    browser.get(browser.url(f"/staff/referrals/help/{help_request.pk}/"))
    click_and_wait(browser, "#acknowledge")
    assert status_steps(browser, code) == ["submitted", "acknowledged"]

    # The caller's household and need are found (the desk's case work), then the desk refers
    # the case from its page, reached from the request's.
    services.intake_link_household(intake=help_request.intake, household=household, by=desk)
    services.intake_attach_need(intake=help_request.intake, need=need, by=desk)
    browser.log_in(desk.username)
    browser.get(browser.url(f"/staff/referrals/help/{help_request.pk}/"))
    click_and_wait(browser, "#refer")
    click_and_wait(browser, f"#refer-station-{station.provider_id}")
    referral = Referral.objects.get(intake=help_request.intake)
    assert status_steps(browser, code) == ["submitted", "acknowledged", "referred"]

    # The station takes it on.
    services.referral_accept(referral=referral, by=station.staff)
    assert status_steps(browser, code) == ["submitted", "acknowledged", "referred", "in_service"]
    assert not browser.find_elements(By.ID, "status-outcome")

    # The station serves and completes it, which closes the request as served; the visitor
    # reads that help was given, and the desk's page says why it closed.
    services.service_session_log(
        referral=referral,
        by=station.staff,
        held_on=timezone.localdate(),
        duration_minutes=90,
        category=need.category,
    )
    services.referral_complete(referral=referral, by=station.staff, outcome="已上门照看三天")
    assert HelpRequest.objects.get().status == HelpRequest.Status.CLOSED
    browser.log_in(desk.username)
    browser.get(browser.url(f"/staff/referrals/help/{help_request.pk}/"))
    assert text(browser, "#close-reason")
    steps = status_steps(browser, code)
    assert steps == ["submitted", "acknowledged", "referred", "in_service", "closed"]
    assert text(browser, "#status-outcome")
    for detail in ("李秀英", "摔了一跤", station.organisation.name):
        assert detail not in browser.page_source
