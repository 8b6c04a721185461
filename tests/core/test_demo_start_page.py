"""The start page on the demo county (issue #17): every role's to-dos read less than the plain
way of finding them, part by part, and say exactly the same: the same lines, counts, links,
dates and urgency."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.core import todos
from bangfu.core.todos import todos_for
from bangfu.demo.builder import DemoOptions, demo_build
from tests.core.todo_reference import one_part_at_a_time

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
# The modules whose sources list or group their rows through ``each_or_grouped``.
MODULES = ["referrals", "offers", "procurement", "discovery"]


def one_short(rows, *, each, parts, first=""):
    """A helper that loses one line, as an off-by-one would: what the comparison must catch."""
    return todos.each_or_grouped(rows, each=each, parts=parts, first=first)[:-1]


@pytest.fixture
def county():
    """The demo county: every role with its day's work."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)):
        demo_build(options=DemoOptions(households=200, seed=2026, as_of=AS_OF))


def pages(monkeypatch, helper=None) -> tuple[dict, dict]:
    """Every demo user's to-dos, and the queries each took, with ``helper`` in place of
    ``each_or_grouped`` when given."""
    if helper is not None:
        for module in MODULES:
            monkeypatch.setattr(f"bangfu.{module}.todos.each_or_grouped", helper)
    found, queries = {}, {}
    for user in get_user_model().objects.order_by("username"):
        with CaptureQueriesContext(connection) as captured:
            found[user.username] = todos_for(user, NOW)
        queries[user.username] = len(captured)
    monkeypatch.undo()
    return found, queries


def test_every_user_sees_what_the_part_by_part_way_shows_with_fewer_queries(county, monkeypatch):
    found, queries = pages(monkeypatch)
    expected, plain_queries = pages(monkeypatch, one_part_at_a_time)

    assert found == expected
    assert sum(len(lines) for lines in found.values()) > 0
    assert all(queries[name] <= plain_queries[name] for name in queries)
    assert sum(queries.values()) < sum(plain_queries.values())
    # Positive control: a helper that loses a line is caught.
    assert pages(monkeypatch, one_short)[0] != expected
