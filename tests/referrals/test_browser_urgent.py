"""In headless Chromium, an emergency (特急) escalates within its hours in the embedded mode: the
scheduler's thread runs the beat's deadline check on a frozen clock, and the township's desk and
the county's bureau see the escalation in their pages."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from selenium.webdriver.common.by import By

from bangfu.core.scheduler import Scheduler
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Notification, Referral
from bangfu.registry.models import Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory

from .test_browser import text

pytestmark = pytest.mark.browser

# A morning ahead of the wall clock: cookies the frozen server sets have not expired for Chromium.
SENT_AT = dt.datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def caught_up(scheduler: Scheduler) -> None:
    """Wait until the scheduler's thread has ticked at the (frozen) time now."""
    now, deadline = timezone.now(), time.monotonic() + 120
    while scheduler.last_tick != now:
        assert time.monotonic() < deadline, "the scheduler did not tick"
        time.sleep(0.05)


# The frozen clock is years past the accounts' passwords: their expiry is another test's.
@override_settings(PASSWORD_MAX_AGE_DAYS_PRIVILEGED=0)
def test_a_missed_emergency_escalates_within_its_hours_and_the_desk_sees_it(
    browser, engine, desk, county_staff, station, place
):
    household = HouseholdFactory(region=place["village"])
    MemberFactory(household=household)
    need = NeedFactory(household=household, urgency=Need.Urgency.EMERGENCY)
    scheduler = Scheduler(settings.CELERY_BEAT_SCHEDULE, poll_seconds=0.05)
    with time_machine.travel(SENT_AT, tick=False) as clock:
        intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
        assert referral.accept_due_at == SENT_AT + dt.timedelta(hours=4)

        # The embedded mode's scheduler runs every beat task at its first tick: not yet due.
        clock.shift(dt.timedelta(hours=3, minutes=55))
        scheduler.start()
        try:
            caught_up(scheduler)
            assert Referral.objects.get(pk=referral.pk).escalated_at is None
            # Its next deadline check, 15 minutes on, finds the emergency overdue.
            clock.shift(dt.timedelta(minutes=15))
            caught_up(scheduler)
        finally:
            scheduler.stop(timeout=60)
        escalated_at = Referral.objects.get(pk=referral.pk).escalated_at
        assert escalated_at == SENT_AT + dt.timedelta(hours=4, minutes=10)
        for user in (desk, county_staff):
            assert Notification.objects.filter(recipient=user, kind="escalated").count() == 1

        # The desk opens the referral from its notification: overdue, and escalated at 13:10.
        browser.log_in(desk.username)
        browser.get(browser.url("/staff/referrals/notifications/"))
        browser.find_element(
            By.CSS_SELECTOR, "ul.notifications li a[href*='/notifications/']"
        ).click()
        assert browser.current_url.endswith(f"/staff/referrals/{referral.pk}/")
        assert "已逾期" in text(browser, "h1")
        assert "2030-03-04 13:00" in text(browser, "dl.facts")  # the answer was due at 13:00
        history = text(browser, "ol.timeline")
        assert "超时" in history and "2030-03-04 13:10" in history

        # The county's bureau was told too.
        browser.log_in(county_staff.username)
        browser.get(browser.url("/staff/referrals/notifications/"))
        told = Notification.objects.get(recipient=county_staff, kind="escalated")
        assert told.message in text(browser, "ul.notifications")
