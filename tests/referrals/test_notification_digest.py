"""The notifications page as a digest by kind and day, opening a notification marks it read
(only one's own), and the bell counts only what is unread, capped at 99+."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from bangfu.referrals.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
PAGE = "/staff/referrals/notifications/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def notes(user, kind, n, *, at, url="/portal/7/", read=False):
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            message=f"Referral {number} ({kind}) in 村201.",
            url=url,
            created_at=at - dt.timedelta(minutes=number),
            read_at=at if read else None,
        )
        for number in range(n)
    )


def bell(user) -> str:
    return Template("{% load referral_tags %}{% notification_bell %}").render(
        Context({"user": user})
    )


@pytest.fixture
def desk(db):
    return UserFactory(username="desk")


def test_the_page_groups_notifications_by_kind_and_day(desk):
    notes(desk, Kind.OVERDUE, 12, at=NOW)
    (accepted,) = notes(desk, Kind.ACCEPTED, 1, at=NOW - dt.timedelta(hours=1))
    notes(desk, Kind.OVERDUE, 3, at=NOW - dt.timedelta(days=1), read=True)
    notes(desk, Kind.FILING_SENT, 2, at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))

    body = browser(desk).get(PAGE).content.decode()

    today, yesterday, earlier = (body.index(day) for day in ("Today", "Yesterday", "2026-11-20"))
    assert today < body.index("12 referrals overdue") < yesterday
    assert yesterday < body.index("3 referrals overdue") < earlier
    assert earlier < body.index("2 filings (备案) received")
    assert "(12 unread)" in body and "(3 unread)" not in body
    # A line of one shows the notification itself, opened through its own link.
    assert accepted.message in body
    assert reverse("referrals:notification-open", args=[accepted.pk]) in body
    # The twelve are one line, not twelve.
    assert "Referral 5 (overdue)" not in body


def test_a_line_opens_the_notifications_it_counts(desk):
    overdue = notes(desk, Kind.OVERDUE, 12, at=NOW)
    notes(desk, Kind.OVERDUE, 3, at=NOW - dt.timedelta(days=1))
    page = browser(desk).get(PAGE).content.decode()
    line = re.search(r'href="\?([^"]*kind=overdue[^"]*day=2026-12-02[^"]*)"', page)
    assert line, "the line links to its notifications"

    body = browser(desk).get(f"{PAGE}?{line.group(1).replace('&amp;', '&')}").content.decode()

    assert all(note.message in body for note in overdue)
    assert all(reverse("referrals:notification-open", args=[note.pk]) in body for note in overdue)
    assert "Referral 0 (overdue)" in body and body.count("(overdue) in 村201") == 12


def test_opening_a_notification_marks_it_read_and_follows_its_link(desk):
    (note,) = notes(desk, Kind.NEW_REFERRAL, 1, at=NOW, url="/portal/42/")
    client = browser(desk)

    response = client.get(reverse("referrals:notification-open", args=[note.pk]))

    assert response.status_code == 302 and response["Location"] == "/portal/42/"
    assert Notification.objects.get(pk=note.pk).read_at == NOW


def test_nobody_opens_or_marks_another_users_notification(desk):
    other = UserFactory(username="other")
    (theirs,) = notes(other, Kind.OVERDUE, 1, at=NOW)
    (mine,) = notes(desk, Kind.OVERDUE, 1, at=NOW)
    client = browser(desk)

    assert client.get(reverse("referrals:notification-open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("referrals:notification-open", args=[theirs.pk])).status_code == 404
    client.post(reverse("referrals:notifications-read"))

    assert Notification.objects.get(pk=theirs.pk).read_at is None
    # Positive control: the same requests mark the user's own.
    assert Notification.objects.get(pk=mine.pk).read_at == NOW


def test_a_line_is_marked_read_on_its_own_and_all_at_once(desk):
    today = notes(desk, Kind.OVERDUE, 4, at=NOW)
    yesterday = notes(desk, Kind.OVERDUE, 2, at=NOW - dt.timedelta(days=1))
    client = browser(desk)

    client.post(reverse("referrals:notifications-read"), {"kind": "overdue", "day": "2026-12-02"})

    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
    assert unread == {note.pk for note in yesterday}
    client.post(reverse("referrals:notifications-read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert {note.pk for note in today} <= set(Notification.objects.values_list("pk", flat=True))


def test_the_bell_counts_only_the_unread_and_caps_at_99(desk, django_assert_num_queries):
    notes(desk, Kind.OVERDUE, 40, at=NOW, read=True)
    notes(desk, Kind.OVERDUE, 99, at=NOW)
    assert '<span class="bell-count">99<' in bell(desk)

    notes(desk, Kind.NEW_REFERRAL, 87, at=NOW)
    with django_assert_num_queries(1):
        html = bell(desk)
    assert '<span class="bell-count">99+<' in html

    Notification.objects.update(read_at=NOW)
    assert 'class="bell-count"' not in bell(desk)


def test_the_demo_desks_backlog_reads_as_a_few_lines(desk):
    for day in range(7):
        notes(desk, Kind.OVERDUE, 20, at=NOW - dt.timedelta(days=day))
        notes(desk, Kind.ESCALATED, 6, at=NOW - dt.timedelta(days=day))

    response = browser(desk).get(PAGE)

    assert len(response.context["lines"]) == 14
    assert "20 referrals overdue" in response.content.decode()
    assert "6 overdue referrals escalated" in response.content.decode()
