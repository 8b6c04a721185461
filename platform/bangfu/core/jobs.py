"""Background jobs (``BackgroundJob``): work too long for a request, run by a Celery task.

A view records the job with ``job_queue`` (the uploaded file, if any, in the private storage:
never in the task's message), which queues its task after the commit; the user goes to the
job's page, which polls the job until it is finished. The task hands its work to ``job_run``,
which runs it once:

- a job already finished (a second delivery of its task) is not run again;
- the work may finish the job itself inside its own write transaction (``job_finish``), so
  that the rows it wrote and the job's result commit together: a delivery after a worker died
  between the two can then never write twice;
- a failure is recorded on the job and raised again, for the worker's log;
- the uploaded file is deleted once the job is finished either way (a worker that dies leaves
  it for the next delivery).

A task killed at its hard time limit is acknowledged and never delivered again, and a message
the broker lost is never delivered at all: ``jobs_fail_stalled``, run by beat, fails such jobs.
"""

import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from bangfu.core.models import BackgroundJob
from bangfu.core.sheet_checking import RowError
from bangfu.core.sheet_reading import ImportLimits, SheetError

# The error of work found stopped without finishing (a job here, a matching run upstairs):
# stored as this English msgid and translated on the page that shows it.
WORK_STOPPED = gettext_noop(
    "The work stopped without finishing (time limit or a lost worker); start it again."
)

logger = logging.getLogger(__name__)


class JobFinished(Exception):
    """The job was finished by another delivery of its task: this one must write nothing."""


def job_queue(
    *,
    task,
    kind: str,
    user,
    params: dict | None = None,
    upload: File | None = None,
    total: int = 0,
) -> BackgroundJob:
    """Record a job (with ``upload`` kept in the private storage) and queue ``task(job.pk)``
    once the transaction commits. ``total`` is the size of the work, as far as known."""
    with transaction.atomic():
        # The task speaks the language of the user who asked: its report is read by them.
        params = {**(params or {}), "language": translation.get_language()}
        job = BackgroundJob(kind=kind, user=user, params=params, progress_total=total)
        if upload is not None:
            upload.seek(0)
            # Not the user's file name: it may carry a person's name.
            job.input_file.save(f"{secrets.token_urlsafe(18)}.bin", upload, save=False)
        job.save()
        transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_progress(job: BackgroundJob, done: int, total: int) -> None:
    """Record how far the job is (outside any transaction, so that its page sees it)."""
    BackgroundJob.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)


def job_finish(job: BackgroundJob, *, result: dict) -> None:
    """Record the job's result; raises JobFinished if another delivery finished it first.

    Call it inside the transaction that writes the job's work: the row lock makes a second
    delivery wait, then find the job finished and roll its own writes back.
    """
    with transaction.atomic():
        current = BackgroundJob.objects.select_for_update().get(pk=job.pk)
        if current.finished:
            raise JobFinished(job.pk)
        current.status, current.result, current.finished_at = (
            BackgroundJob.Status.DONE,
            result,
            timezone.now(),
        )
        current.progress_done = current.progress_total
        current.save(update_fields=["status", "result", "finished_at", "progress_done"])
    job.status, job.result = current.status, current.result


def job_run(*, job_id: int, work: Callable[[BackgroundJob], dict]) -> None:
    """Run ``work(job)`` for a queued job and record its result (or its failure), once."""
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return
        job.status, job.started_at = BackgroundJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        result = work(job)
        job.refresh_from_db(fields=["status"])
        if not job.finished:
            job_finish(job, result=result)
    except JobFinished:
        logger.info("Background job %s was finished by another delivery of its task.", job.pk)
    except Exception as error:
        # The user sees that the job failed, not why: the message may quote the file.
        BackgroundJob.objects.filter(pk=job.pk).exclude(status=BackgroundJob.Status.DONE).update(
            status=BackgroundJob.Status.FAILED,
            error=type(error).__name__,
            finished_at=timezone.now(),
        )
        raise
    finally:
        job.refresh_from_db(fields=["status", "input_file"])
        if job.finished and job.input_file:
            job.input_file.delete(save=False)
            BackgroundJob.objects.filter(pk=job.pk).update(input_file="")


def job_import_run(*, job_id: int, run_import: Callable) -> None:
    """Run a file import job once: ``run_import(upload, params, by=, progress=, before_commit=)``
    reads the stored upload as, and in the language of, the user who sent it, and returns its
    report (a dataclass), which becomes the job's result in the import's own transaction."""

    def work(job: BackgroundJob) -> dict:
        with translation.override(job.params["language"]), job.input_file.open("rb") as upload:
            report = run_import(
                upload,
                job.params,
                by=job.user,
                progress=lambda done, total: job_progress(job, done, total),
                before_commit=lambda report: job_finish(job, result=dataclasses.asdict(report)),
            )
        return dataclasses.asdict(report)

    job_run(job_id=job_id, work=work)


def job_import_submit(
    *, upload: File, limits: ImportLimits, run_now: Callable, task, kind: str, user, params: dict
):
    """Import ``upload`` in the request (``run_now()``, its report), or queue a job of ``task``
    when it has more rows than ``limits`` let a request read. A file above the caps is refused
    before anything is imported or stored: a ValidationError of the form's ``file``."""
    try:
        rows = limits.check_upload(upload)
    except SheetError as refusal:
        raise ValidationError({"file": str(refusal)}) from None
    if not limits.in_background(rows):
        return run_now()
    return job_queue(
        task=task,
        kind=kind,
        user=user,
        upload=upload,
        total=rows,
        params={"file_name": upload.name[-255:], **params},
    )


def job_import_report(job: BackgroundJob, report_class):
    """The report of a finished import job, as the import returned it (None before)."""
    if job.status != BackgroundJob.Status.DONE:
        return None
    data = dict(job.result)
    errors = [RowError(**error) for error in data.pop("errors")]
    return report_class(errors=errors, **data)


def job_stall_age() -> dt.timedelta:
    """How long after it started (or, still queued, was asked for) a job unfinished is taken for
    stopped: its task's hard time limit (every job's task is of the "import" class: one file in
    or out), then the visibility timeout after which Redis hands the task of a dead worker out
    again. A redelivery starts the job again, so a live attempt is never older than its hard
    limit; the visibility timeout, itself longer than the longest task, is the margin a
    redelivered task has to wait in the queue for a free worker."""
    return dt.timedelta(
        seconds=settings.TASK_CLASSES["import"]["time_limit"]
        + settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )


def jobs_fail_stalled() -> int:
    """Fail every job queued or running for longer than ``job_stall_age``, with ``WORK_STOPPED``
    as its error, and delete its uploaded file, as a finished job's is; returns how many.

    A finished job is never touched; a job whose row is locked (a delivery finishing it right
    now) is left alone; a delivery coming after all finds the job finished and does nothing.
    """
    silent_since = timezone.now() - job_stall_age()
    with transaction.atomic():
        stalled = dict(
            BackgroundJob.objects.select_for_update(skip_locked=True)
            .filter(status__in=[BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING])
            .filter(
                Q(started_at__lt=silent_since)
                | Q(started_at__isnull=True, created_at__lt=silent_since)
            )
            .values_list("pk", "input_file")
        )
        BackgroundJob.objects.filter(pk__in=stalled).update(
            status=BackgroundJob.Status.FAILED,
            error=WORK_STOPPED,
            finished_at=timezone.now(),
            input_file="",
        )
    storage = BackgroundJob._meta.get_field("input_file").storage
    for name in filter(None, stalled.values()):
        storage.delete(name)
    if stalled:
        logger.warning("%d background jobs stopped without finishing: marked failed.", len(stalled))
    return len(stalled)
