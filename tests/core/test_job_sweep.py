"""Background jobs whose task stopped without finishing them: a task killed at its hard time
limit is acknowledged and never delivered again, and a message the broker lost never comes.
Beat's sweep fails such a job once it is older than its task could still be working on it, and
its page says what happened instead of showing it running forever."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bangfu.celery import app
from bangfu.core.jobs import job_stall_age
from bangfu.core.models import BackgroundJob
from bangfu.core.tasks import fail_stalled_jobs_task
from bangfu.registry.exports import households_export_start
from bangfu.registry.models import Household
from tests.registry.conftest import staff_client  # noqa: F401
from tests.registry.test_import_limits import named, policy  # noqa: F401
from tests.registry.test_ledger import good_rows, xlsx

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = pytest.mark.usefixtures("in_english")

STOPPED = "The work stopped without finishing (time limit or a lost worker); start it again."


@pytest.fixture
def queued_import(staff_client, policy, django_capture_on_commit_callbacks):  # noqa: F811
    """A ledger import sent to the background; its task is returned, not yet delivered."""
    policy("background_rows", 2)
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(
            reverse("registry:household-import"), {"file": named(xlsx(good_rows()), "台账.xlsx")}
        )
    job = BackgroundJob.objects.get()
    assert response.url == reverse("registry:household-import-job", args=[job.pk])
    return job, response.url, queued


def started_and_killed(job: BackgroundJob) -> dt.datetime:
    """The job as a task killed at its hard time limit leaves it: running, and no more."""
    started = timezone.now()
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJob.Status.RUNNING, started_at=started
    )
    return started


@pytest.mark.parametrize("was_started", [True, False], ids=["killed", "message-lost"])
def test_a_job_past_its_time_limit_is_failed_and_its_page_says_to_start_again(
    was_started,
    staff_client,  # noqa: F811
    queued_import,
):
    job, job_url, deliveries = queued_import
    since = started_and_killed(job) if was_started else job.created_at
    stored = settings.PRIVATE_ROOT / job.input_file.name
    assert stored.exists()

    with time_machine.travel(since + job_stall_age() + dt.timedelta(seconds=1), tick=False):
        assert fail_stalled_jobs_task.apply().get() == 1

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", STOPPED)
    # its upload (personal data) is deleted, as a finished job's is
    assert not job.input_file and not stored.exists()
    page = staff_client.get(job_url).content.decode()
    assert f"{STOPPED} Nothing was written." in page
    assert "hx-get" not in page  # finished: the page stops polling
    assert f'href="{reverse("registry:household-import")}"' in page  # where to start again
    # a delivery that comes late after all finds the job finished and writes nothing
    for deliver in deliveries:
        deliver()
    assert not Household.objects.exists()
    assert BackgroundJob.objects.get().status == "failed"


def test_a_job_within_its_time_limit_is_left_to_its_task(staff_client, queued_import):  # noqa: F811
    job, job_url, deliveries = queued_import
    started = started_and_killed(job)

    with time_machine.travel(started + job_stall_age() - dt.timedelta(minutes=1), tick=False):
        assert fail_stalled_jobs_task.apply().get() == 0

    job.refresh_from_db()
    assert (job.status, job.error, job.finished_at) == ("running", "", None)
    # and its task, delivered again, still imports the file
    for deliver in deliveries:
        deliver()
    assert "Imported: 2 households and 3 members." in staff_client.get(job_url).content.decode()


def test_a_finished_job_is_never_touched(queued_import):
    job, _job_url, deliveries = queued_import
    for deliver in deliveries:
        deliver()
    job.refresh_from_db()
    assert job.status == "done"

    with time_machine.travel(job.created_at + 10 * job_stall_age(), tick=False):
        assert fail_stalled_jobs_task.apply().get() == 0

    after = BackgroundJob.objects.get()
    assert (after.status, after.error, after.finished_at, after.result) == (
        "done",
        "",
        job.finished_at,
        job.result,
    )


def test_an_export_stopped_past_its_time_limit_says_so_on_its_page(
    staff_client,  # noqa: F811
    bureau_staff,
    household_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks():  # its task never comes
        job = households_export_start(households=Household.objects.all(), by=bureau_staff)
    job_url = reverse("registry:household-export-job", args=[job.pk])
    assert "hx-get" in staff_client.get(job_url).content.decode()

    with time_machine.travel(job.created_at + job_stall_age() + dt.timedelta(seconds=1)):
        fail_stalled_jobs_task.apply()

    page = staff_client.get(job_url).content.decode()
    assert STOPPED in page and "hx-get" not in page


def test_beat_sweeps_stalled_jobs_and_runs_every_few_minutes():
    app.loader.import_default_modules()  # what a worker does at start: every tasks.py
    sweeps = {
        entry["task"]: entry["schedule"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if "stalled" in entry["task"]
    }
    assert set(sweeps) == {
        "bangfu.core.tasks.fail_stalled_jobs_task",
        "bangfu.matching_runs.tasks.fail_stalled_runs_task",
    }
    for task, every in sweeps.items():
        assert task in app.tasks
        assert every <= 10 * 60
