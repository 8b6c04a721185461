"""The retention page's dry run, as a background job (``bangfu.core.jobs``): counting what the
schedule would change reads every due household, too long for a request.

The job counts within the counties its user manages (the security administrator's: the whole
platform), frozen when it is asked for; its result is the rows per model and the runs it
recorded. Only the user who asked finds the job.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bangfu.core.jobs import job_finish, job_queue, job_run
from bangfu.core.models import BackgroundJob
from bangfu.privacy import access
from bangfu.privacy.retention import retention_run
from bangfu.regions.models import Region

JOB_KIND = "privacy.retention_dry_run"


def dry_run_start(*, by) -> BackgroundJob:
    """Queue a dry run for ``by``: a county's manager counts their counties only."""
    from bangfu.privacy.tasks import retention_dry_run_task

    everything = access.keeps_record(by)
    counties = [] if everything else list(access.managed_counties(by))
    access.require(
        everything or bool(counties),
        _("Only the security administrator or a county's manager tries the schedule."),
    )
    return job_queue(
        task=retention_dry_run_task,
        kind=JOB_KIND,
        user=by,
        params={
            "counties": None if everything else [county.pk for county in counties],
            "county_names": [county.name for county in counties],
        },
    )


def dry_run_run(*, job_id: int) -> None:
    """The task's body: count once; the runs and the job's result commit together."""

    def work(job: BackgroundJob) -> dict:
        pks = job.params["counties"]
        scope = None if pks is None else list(Region.objects.filter(pk__in=pks))
        with translation.override(job.params["language"]), transaction.atomic():
            runs = retention_run(dry_run=True, by=job.user, within_counties=scope)
            counts: dict[str, int] = {}
            for run in runs:
                for label, changed in run.counts.items():
                    counts[label] = counts.get(label, 0) + changed
            result = {
                "rows": sum(run.total for run in runs),
                "counts": {label: n for label, n in sorted(counts.items()) if n},
                "runs": [run.pk for run in runs],
            }
            job_finish(job, result=result)
        return result

    job_run(job_id=job_id, work=work)


def dry_run_jobs(by):
    """``by``'s dry runs: another user's is never found."""
    return BackgroundJob.objects.filter(kind=JOB_KIND, user=by)
