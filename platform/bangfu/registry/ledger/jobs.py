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


def ledger_import_submit(
    *,
    upload: File,
    by,
    dry_run: bool,
    preview_updates: bool = False,
    expected_sha256: str = "",
    expected_changes: str = "",
) -> LedgerReport | BackgroundJob:
    """Import ``upload`` now, or queue it as a background job if it is large. A file above the
    caps is refused (ValidationError on ``file``) before anything is imported or stored.
    ``preview_updates``, ``expected_sha256`` and ``expected_changes``: changes of registered
    households wait for the user's confirmation of the preview (``import_ledger``)."""
    require_write(by=by)
    return job_import_submit(
        upload=upload,
        limits=limits_for_user(by),
        run_now=lambda: import_ledger(
            upload,
            filename=upload.name,
            by=by,
            dry_run=dry_run,
            preview_updates=preview_updates,
            expected_sha256=expected_sha256,
            expected_changes=expected_changes,
        ),
        task=ledger_import_task,
        kind=KIND,
        user=by,
        params={
            "dry_run": dry_run,
            "preview_updates": preview_updates,
            "expected_sha256": expected_sha256,
            "expected_changes": expected_changes,
        },
    )


def ledger_import_run(*, job_id: int) -> None:
    """The task's body: import the stored file as the user who sent it, in their language."""
    job_import_run(
        job_id=job_id,
        run_import=lambda upload, params, **context: import_ledger(
            upload,
            filename=params["file_name"],
            dry_run=params["dry_run"],
            preview_updates=params.get("preview_updates", False),
            expected_sha256=params.get("expected_sha256", ""),
            expected_changes=params.get("expected_changes", ""),
            **context,
        ),
    )


def ledger_import_jobs(user):
    """The user's own ledger imports: another user's job is never found."""
    return BackgroundJob.objects.filter(kind=KIND, user=user)


def ledger_job_report(job: BackgroundJob) -> LedgerReport | None:
    return job_import_report(job, LedgerReport)
