"""Ledger imports from the staff page: a small file is imported in the request, a file above
the ``background_rows`` policy becomes a background job (``bangfu.core.jobs``) whose page shows
the rows checked and then the same report. The job's task writes in one transaction, with the
job's result, or writes nothing."""

from django.core.files import File

from bangfu.core.jobs import job_import_report, job_import_run, job_import_submit
from bangfu.core.models import BackgroundJob
from bangfu.registry.ledger.checking import LedgerReport
from bangfu.registry.ledger.importing import import_ledger
from bangfu.registry.ledger.limits import limits_for_user
from bangfu.registry.services import require_write
from bangfu.registry.tasks import ledger_import_task

KIND = "registry.ledger_import"


def ledger_import_submit(*, upload: File, by, dry_run: bool) -> LedgerReport | BackgroundJob:
    """Import ``upload`` now, or queue it as a background job if it is large. A file above the
    caps is refused (ValidationError on ``file``) before anything is imported or stored."""
    require_write(by=by)
    return job_import_submit(
        upload=upload,
        limits=limits_for_user(by),
        run_now=lambda: import_ledger(upload, filename=upload.name, by=by, dry_run=dry_run),
        task=ledger_import_task,
        kind=KIND,
        user=by,
        params={"dry_run": dry_run},
    )


def ledger_import_run(*, job_id: int) -> None:
    """The task's body: import the stored file as the user who sent it, in their language."""
    job_import_run(
        job_id=job_id,
        run_import=lambda upload, params, **context: import_ledger(
            upload, filename=params["file_name"], dry_run=params["dry_run"], **context
        ),
    )


def ledger_import_jobs(user):
    """The user's own ledger imports: another user's job is never found."""
    return BackgroundJob.objects.filter(kind=KIND, user=user)


def ledger_job_report(job: BackgroundJob) -> LedgerReport | None:
    return job_import_report(job, LedgerReport)
