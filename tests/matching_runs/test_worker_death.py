"""Matching runs after a worker dies: Redis hands the task out again, and the run finishes once.

The worker test starts real ``celery worker`` processes (one process each: the solo pool, so
that ``kill -9`` of the main process kills the attempt too) on the test database, with a
visibility timeout and a run lease of 3 s (``tests/matching_runs/worker_settings.py``).
No module-level ``django_db`` mark: the worker test needs its serialized rollback.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from celery.exceptions import Retry
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bangfu.matching_runs import tasks
from bangfu.matching_runs.models import Allocation, MatchingRun, RankedCandidate
from bangfu.matching_runs.services import lease_duration, run_request
from bangfu.registry.models import Assessment, Household, Member, Need, ServiceCategory, Tier
from tests.core.test_task_queues import our_tasks
from tests.factories import MemberFactory, UserFactory, VolunteerFactory, make_id_number
from tests.matching_runs.conftest import TODAY, household_with_need

ROOT = Path(__file__).resolve().parents[2]


def crowded_county(county, *, households: int, volunteers: int) -> int:
    """``households`` households with one open care need each around the county's two
    villages, and volunteers among them: a county whose run takes a few seconds, as a real
    one does. Returns the number of open needs."""
    _county, _t1, village1, _t2, village2 = county
    care = ServiceCategory.objects.get(code="care")
    assessor = UserFactory()
    villages = [village1, village2]
    rows = Household.objects.bulk_create(
        Household(
            registry_number=f"530428-{n:05d}",
            region=villages[n % 2],
            address=f"{n}号",
            tier=Tier.DIBAO,
            status=Household.Status.ACTIVE,
            enrolled_on=dt.date(2024, 3, 1),
            latitude=villages[n % 2].latitude + Decimal(n % 97) / 10_000,
            longitude=villages[n % 2].longitude + Decimal(n % 89) / 10_000,
        )
        for n in range(households)
    )
    Member.objects.bulk_create(
        MemberFactory.build(
            household=household,
            relation=Member.Relation.HEAD,
            id_number=make_id_number(seq=n, birth=dt.date(1940, 1, 1) + dt.timedelta(days=n)),
        )
        for n, household in enumerate(rows)
    )
    visits = Assessment.objects.bulk_create(
        Assessment(household=household, assessed_on=TODAY, assessor=assessor) for household in rows
    )
    Need.objects.bulk_create(
        Need(
            household=visit.household,
            assessment=visit,
            category=care,
            severity=3,
            opened_on=TODAY - dt.timedelta(days=n % 60),
            priority=Decimal(20 + n % 70),
        )
        for n, visit in enumerate(visits)
    )
    for n in range(volunteers):
        village = villages[n % 2]
        VolunteerFactory(
            user__password=None,  # no password hashing: it would cost half a second each
            home_region=village,
            latitude=village.latitude,
            longitude=village.longitude,
            travel_radius_km=Decimal("15"),
            capacity=3,
        )
    return households


class WorkerProcess:
    """``celery worker`` in a process of its own, on the test database and its own queue."""

    def __init__(self, queue: str, log: Path):
        database = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.matching_runs.worker_settings",
            "BANGFU_TEST_UNACKED_KEY": f"{queue}-unacked",
            "DATABASE_URL": (
                f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
                f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bangfu",
                "worker",
                "--pool=solo",
                "--queues",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_for(run: MatchingRun, condition, *, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if condition(run):
            return
        time.sleep(0.05)
    pytest.fail(f"the run never {what} ({run.status}, {run.progress}%):\n{log.read_text()}")


@pytest.fixture
def worker_queue(broker_url, worker_id, settings):
    """The matching queue of the pytest process's own queues (``TASK_QUEUE_PREFIX``, as the
    ``celery_worker`` fixture names them), and unacknowledged-task keys of the test's own on the
    broker; emptied after."""
    settings.TASK_QUEUE_PREFIX = prefix = f"bangfu-test-{worker_id}."
    queue = f"{prefix}matching"
    yield queue
    client = redis.Redis.from_url(broker_url)
    client.delete(queue, f"{queue}-unacked", f"{queue}-unacked_index", f"{queue}-unacked_mutex")


@pytest.mark.worker
def test_a_run_whose_worker_was_killed_finishes_once_on_the_next_worker(
    worker_queue,
    pristine_db,
    transactional_db,
    django_db_serialized_rollback,
    county,
    bureau,
    tmp_path,
):
    needs = crowded_county(county, households=2000, volunteers=20)
    log = tmp_path / "workers.log"
    first = WorkerProcess(worker_queue, log)
    second = None
    try:
        run = run_request(kind="allocate", region=county[0], by=bureau)
        wait_for(run, lambda r: r.status == "running", seconds=60, what="started", log=log)
        # kill -9 of the worker's main process, in the middle of the run
        first.kill()
        run.refresh_from_db()
        assert (run.status, run.attempts) == ("running", 1), "the run ended before the kill"

        second = WorkerProcess(worker_queue, log)
        wait_for(run, lambda r: r.is_finished, seconds=60, what="finished", log=log)
    finally:
        first.stop()
        if second is not None:
            second.stop()

    # then the run finished once, on a second attempt, with one set of results
    assert run.status == MatchingRun.Status.DONE
    assert run.attempts == 2 and run.restarted
    assert run.needs_count == needs
    allocations = Allocation.objects.filter(run=run)
    assert allocations.count() == run.assigned_count > 0
    assert allocations.values("need").distinct().count() == allocations.count()
    candidates = RankedCandidate.objects.filter(run=run)
    assert candidates.values("need", "rank").distinct().count() == candidates.count()


@pytest.mark.django_db
def test_a_run_delivered_again_while_its_attempt_lives_is_not_started_twice(county, providers):
    region, _t1, village1, _t2, _v2 = county
    household_with_need(village1)
    run = run_request(kind="rank", region=region)
    # given an attempt that computes the run and renewed its lease a moment ago
    alive = timezone.now() - lease_duration() / 2
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.RUNNING, attempts=1, attempt_token="a" * 32, heartbeat_at=alive
    )
    # when the task is delivered again, it is retried later instead of computing the run
    with pytest.raises(Retry):
        tasks.rank_region_task.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.attempt_token) == ("running", 1, "a" * 32)
    assert not RankedCandidate.objects.filter(run=run).exists()

    # once that attempt stops renewing its lease (its worker died), a delivery restarts it
    lapsed = timezone.now() - lease_duration() - dt.timedelta(seconds=1)
    MatchingRun.objects.filter(pk=run.pk).update(heartbeat_at=lapsed)
    tasks.rank_region_task.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)
    assert RankedCandidate.objects.filter(run=run).count() == 1


def test_every_task_has_time_limits_within_the_brokers_visibility_timeout():
    ours = our_tasks()
    assert len(ours) >= 12
    for name, task in ours.items():
        assert task.soft_time_limit and task.time_limit, name
        assert task.soft_time_limit < task.time_limit, name
    longest = max(task.time_limit for task in ours.values())
    # Redis must not hand a task out again while its first delivery may still be running.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest
    # and yet not the hour of Redis's default
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] < 60 * 60
