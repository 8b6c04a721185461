"""Matching runs whose attempt stopped without finishing them: an attempt killed at its hard
time limit is acknowledged and never delivered again. Beat's sweep fails a run whose lease
lapsed and whose worker's task Redis would have handed out again by now (the visibility
timeout went by), and the run's page says what happened instead of "running 30%" forever."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bangfu.matching_runs import tasks
from bangfu.matching_runs.models import MatchingRun
from bangfu.matching_runs.services import lease_duration, run_request
from bangfu.matching_runs.tasks import fail_stalled_runs_task
from tests.matching_runs.conftest import household_with_need
from tests.matching_runs.test_bad_rows import bureau_client  # noqa: F401

pytestmark = pytest.mark.django_db

STOPPED = "The work stopped without finishing (time limit or a lost worker); start it again."
VISIBILITY = dt.timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])


def killed_attempt(run: MatchingRun, *, progress: int = 30) -> dt.datetime:
    """The run as an attempt killed at its hard time limit leaves it: running, its lease held
    by an attempt that renews it no more. Returns its last heartbeat."""
    beat = timezone.now()
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.RUNNING,
        started_at=beat,
        progress=progress,
        attempts=1,
        attempt_token="a" * 32,
        heartbeat_at=beat,
    )
    return beat


def test_a_run_whose_attempt_stopped_is_failed_and_its_page_says_so(
    bureau_client,  # noqa: F811
    county,
):
    run = run_request(kind="allocate", region=county[0])
    beat = killed_attempt(run)
    run_url = reverse("matching_runs:run-detail", args=[run.pk])
    assert "30%" in bureau_client.get(run_url).content.decode()

    with time_machine.travel(beat + VISIBILITY + dt.timedelta(seconds=1), tick=False):
        assert fail_stalled_runs_task.apply().get() == 1

    run.refresh_from_db()
    # failed as of its last sign of life
    assert (run.status, run.error, run.finished_at) == ("failed", STOPPED, beat)
    page = bureau_client.get(run_url).content.decode()
    assert STOPPED in page and "hx-get" not in page
    assert f'href="{reverse("matching_runs:run-list")}"' in page  # where runs are started


def test_a_run_whose_lease_lapsed_is_left_for_its_redelivery_until_the_visibility_timeout(
    county, providers
):
    region, _t1, village1, _t2, _v2 = county
    household_with_need(village1)
    run = run_request(kind="rank", region=region)
    beat = killed_attempt(run)
    assert lease_duration() < VISIBILITY

    # the lease lapsed, but Redis may not have handed the task out again yet
    with time_machine.travel(beat + VISIBILITY - dt.timedelta(seconds=1), tick=False):
        assert fail_stalled_runs_task.apply().get() == 0
        run.refresh_from_db()
        assert (run.status, run.error) == ("running", "")
        # and when it does, the run restarts and finishes
        tasks.rank_region_task.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)


def test_a_finished_run_is_never_touched(county, providers):
    region, _t1, village1, _t2, _v2 = county
    household_with_need(village1)
    run = run_request(kind="rank", region=region)
    tasks.rank_region_task.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert run.status == "done" and run.heartbeat_at is not None

    with time_machine.travel(run.heartbeat_at + 10 * VISIBILITY, tick=False):
        assert fail_stalled_runs_task.apply().get() == 0

    after = MatchingRun.objects.get(pk=run.pk)
    assert (after.status, after.error, after.finished_at) == ("done", "", run.finished_at)


def test_a_run_split_by_county_is_failed_with_its_stopped_part_and_not_before(county):
    region = county[0]
    # a province run split by county: one part finished, the other's attempt killed
    parent = run_request(kind="province", region=region.parent)
    started = timezone.now()
    MatchingRun.objects.filter(pk=parent.pk).update(
        status=MatchingRun.Status.RUNNING, started_at=started, progress=1
    )
    done = MatchingRun.objects.create(
        job_key=f"{parent.job_key}/a",
        kind=MatchingRun.Kind.ALLOCATE,
        region=region,
        parent=parent,
        status=MatchingRun.Status.DONE,
        finished_at=started,
    )
    stopped = MatchingRun.objects.create(
        job_key=f"{parent.job_key}/b", kind=MatchingRun.Kind.ALLOCATE, region=region, parent=parent
    )
    beat = killed_attempt(stopped, progress=80)

    # while its part may still be delivered again, the split run waits
    with time_machine.travel(beat + VISIBILITY - dt.timedelta(seconds=1), tick=False):
        assert fail_stalled_runs_task.apply().get() == 0
    # then the part and the run it belongs to both fail, in one pass
    with time_machine.travel(beat + VISIBILITY + dt.timedelta(seconds=1), tick=False):
        assert fail_stalled_runs_task.apply().get() == 2

    statuses = dict(MatchingRun.objects.values_list("pk", "status"))
    assert statuses == {parent.pk: "failed", done.pk: "done", stopped.pk: "failed"}
    assert MatchingRun.objects.get(pk=parent.pk).error == STOPPED
