"""The embedded mode's beat: the tasks of ``CELERY_BEAT_SCHEDULE`` run in-process at their
intervals, so that ``make demo`` escalates a missed deadline as production does.

Production runs Celery beat beside its worker (``docker-compose.yml``); the embedded mode has
neither broker nor beat, and without this nothing periodic would ever happen there.
``manage.py runserver`` starts one (``start_embedded``) in the process that serves when
``settings.EMBEDDED_SCHEDULER`` is on: never in production, and never in tests unless a test
starts one itself.

Each task runs at the first tick, then once per interval: a demo left off for a week checks its
deadlines when it is started again, as beat does with the entries it missed. A task that fails
is logged and runs again an interval later; the others are not held up by it.
"""

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    name: str
    task: object  # a Celery task
    interval: dt.timedelta


def entries(schedule: Mapping[str, Mapping]) -> list[Entry]:
    """The beat schedule's entries, each task imported: a misspelt one fails at start."""
    found = []
    for name, entry in schedule.items():
        every = entry["schedule"]
        if isinstance(every, int | float):
            every = dt.timedelta(seconds=every)
        if not isinstance(every, dt.timedelta) or every <= dt.timedelta(0):
            raise ImproperlyConfigured(
                f"Beat entry {name!r}: the embedded scheduler runs positive intervals only "
                f"(seconds or a timedelta), not {every!r}."
            )
        found.append(Entry(name, import_string(entry["task"]), every))
    return found


class Scheduler:
    """Runs the schedule's tasks, by their interval, in a daemon thread (``start``) or a tick at
    a time (``tick``). Time is ``timezone.now()``: a frozen clock freezes the schedule too."""

    def __init__(self, schedule: Mapping[str, Mapping], *, poll_seconds: float = 5.0):
        self.entries = entries(schedule)
        self.poll_seconds = poll_seconds
        self._next_at: dict[str, dt.datetime] = {}
        # The clock's time at the end of the last tick: what the scheduler has caught up with.
        self.last_tick: dt.datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: dt.datetime | None = None) -> list[str]:
        """Run every task that is due at ``now``; return the names of those run (a failed one
        too: it is logged, and its next run is an interval later like any other)."""
        now = now or timezone.now()
        ran = []
        for entry in self.entries:
            if self._next_at.get(entry.name, now) > now:
                continue
            self._next_at[entry.name] = now + entry.interval
            ran.append(entry.name)
            try:
                # As a worker does around each task: no connection outlives a broken one.
                close_old_connections()
                entry.task.apply(throw=True)
            except Exception:
                logger.exception(
                    "Scheduled task %s failed; next run in %s.", entry.name, entry.interval
                )
            finally:
                close_old_connections()
        self.last_tick = now
        return ran

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="bangfu-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.poll_seconds)


def start_embedded() -> Scheduler | None:
    """Start the scheduler when the settings ask for it (the embedded mode); None otherwise."""
    if not settings.EMBEDDED_SCHEDULER:
        return None
    scheduler = Scheduler(settings.CELERY_BEAT_SCHEDULE)
    scheduler.start()
    return scheduler
