"""The embedded mode's scheduler: the beat schedule's tasks run in-process at their intervals,
a failing task is logged and holds nothing up, and only the embedded mode starts one."""

import datetime as dt
import threading
import time
from collections import Counter

import pytest
import time_machine
from celery import shared_task
from django.core.exceptions import ImproperlyConfigured
from django.core.management import get_commands

from bangfu.core.scheduler import Scheduler, start_embedded

CLOCK = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
runs: Counter = Counter()
ran = threading.Condition()


@shared_task
def counting_task() -> None:
    with ran:
        runs["counting"] += 1
        ran.notify_all()


@shared_task
def failing_task() -> None:
    runs["failing"] += 1
    raise RuntimeError("the sweep broke")


def entry(task, seconds) -> dict:
    return {"task": f"{__name__}.{task.__name__}", "schedule": seconds}


def wait_for(count: int) -> None:
    with ran:
        assert ran.wait_for(lambda: runs["counting"] >= count, timeout=10), runs


@pytest.fixture(autouse=True)
def _no_runs_yet():
    runs.clear()


@pytest.fixture
def ticks_here(django_db_blocker):
    """A tick in the test's own thread closes stale connections, as a worker does around each
    task, even when its tasks read nothing: a connection left open by an earlier test may be
    looked at."""
    with django_db_blocker.unblock():
        yield


def test_each_task_runs_at_the_first_tick_then_once_per_interval(ticks_here):
    scheduler = Scheduler(
        {
            "often": entry(counting_task, 60),
            "daily": {"task": f"{__name__}.counting_task", "schedule": dt.timedelta(days=1)},
        }
    )
    with time_machine.travel(CLOCK, tick=False) as clock:
        assert scheduler.tick() == ["often", "daily"]
        assert scheduler.tick() == []
        clock.shift(59)
        assert scheduler.tick() == []
        clock.shift(1)
        assert scheduler.tick() == ["often"]
        # A scheduler left idle for a day runs each task once, not once per missed interval.
        clock.shift(dt.timedelta(days=1))
        assert scheduler.tick() == ["often", "daily"]
    assert runs["counting"] == 5


def test_a_failing_task_is_logged_and_the_others_still_run(ticks_here, caplog):
    scheduler = Scheduler({"broken": entry(failing_task, 60), "often": entry(counting_task, 60)})
    with time_machine.travel(CLOCK, tick=False) as clock:
        assert scheduler.tick() == ["broken", "often"]
        clock.shift(60)
        assert scheduler.tick() == ["broken", "often"]
    assert runs == {"failing": 2, "counting": 2}
    failures = [r for r in caplog.records if r.name == "bangfu.core.scheduler"]
    assert len(failures) == 2 and "broken" in failures[0].getMessage()
    assert str(failures[0].exc_info[1]) == "the sweep broke"


def test_the_thread_ticks_with_the_clock_and_survives_a_failing_task():
    scheduler = Scheduler(
        {"broken": entry(failing_task, 60), "often": entry(counting_task, 60)}, poll_seconds=0.01
    )
    with time_machine.travel(CLOCK, tick=False) as clock:
        scheduler.start()
        try:
            wait_for(1)
            time.sleep(0.1)  # many polls, the clock frozen: nothing is due again
            assert runs == {"failing": 1, "counting": 1}
            clock.shift(60)
            wait_for(2)
        finally:
            scheduler.stop(timeout=5)
    assert runs["failing"] == 2
    assert not scheduler._thread.is_alive()


@pytest.mark.parametrize(
    "schedule",
    [
        {"misspelt": {"task": f"{__name__}.no_such_task", "schedule": 60}},
        {"never": entry(counting_task, 0)},
    ],
)
def test_a_schedule_it_cannot_keep_fails_at_start(schedule):
    with pytest.raises((ImproperlyConfigured, ImportError)):
        Scheduler(schedule)


def test_only_the_embedded_mode_starts_one_from_runserver(settings):
    assert get_commands()["runserver"] == "bangfu.core"
    settings.CELERY_BEAT_SCHEDULE = {"often": entry(counting_task, 3600)}
    settings.EMBEDDED_SCHEDULER = False
    assert start_embedded() is None
    settings.EMBEDDED_SCHEDULER = True
    scheduler = start_embedded()
    try:
        wait_for(1)
    finally:
        scheduler.stop(timeout=5)
