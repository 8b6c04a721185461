"""Cross-check imports from the staff page: a small file is imported in the request, a file
above the ``background_rows`` policy of its region becomes a background job
(``bangfu.core.jobs``), as ledger imports do (``bangfu.registry.ledger.jobs``)."""

import datetime as dt

from django.core.files import File

from bangfu.core.jobs import job_import_report, job_import_run, job_import_submit
from bangfu.core.models import BackgroundJob
from bangfu.discovery.importing import CrossCheckReport, import_crosscheck
from bangfu.discovery.selectors import require_import
from bangfu.discovery.tasks import crosscheck_import_task
from bangfu.regions.models import Region
from bangfu.registry.ledger.limits import limits_for

KIND = "discovery.crosscheck_import"


def crosscheck_import_submit(
    *, upload: File, by, source: str, region: Region, as_of: dt.date, dry_run: bool
) -> CrossCheckReport | BackgroundJob:
    """Import ``upload`` now, or queue it as a background job if it is large. A file above the
    caps is refused (ValidationError on ``file``) before anything is imported or stored."""
    require_import(by=by)
    return job_import_submit(
        upload=upload,
        limits=limits_for(region),
        run_now=lambda: import_crosscheck(
            upload,
            source=source,
            filename=upload.name,
            by=by,
            region=region,
            as_of=as_of,
            dry_run=dry_run,
        ),
        task=crosscheck_import_task,
        kind=KIND,
        user=by,
        params={
            "source": source,
            "region": region.pk,
            "as_of": as_of.isoformat(),
            "dry_run": dry_run,
        },
    )


def crosscheck_import_run(*, job_id: int) -> None:
    """The task's body: import the stored file as the user who sent it, in their language."""
    job_import_run(
        job_id=job_id,
        run_import=lambda upload, params, **context: import_crosscheck(
            upload,
            source=params["source"],
            filename=params["file_name"],
            region=Region.objects.get(pk=params["region"]),
            as_of=dt.date.fromisoformat(params["as_of"]),
            dry_run=params["dry_run"],
            **context,
        ),
    )


def crosscheck_import_jobs(user):
    """The user's own cross-check imports: another user's job is never found."""
    return BackgroundJob.objects.filter(kind=KIND, user=user)


def crosscheck_job_report(job: BackgroundJob) -> CrossCheckReport | None:
    return job_import_report(job, CrossCheckReport)
