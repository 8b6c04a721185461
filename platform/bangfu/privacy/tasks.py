from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def retention_run_task() -> int:
    """Every night: apply the retention schedule; safe to run twice (what is done is not due
    any more). Returns the rows changed."""
    from bangfu.privacy.retention import retention_run

    return sum(run.total for run in retention_run())


# A background job's task: its time limits are those ``job_stall_age`` counts on.
@shared_task(acks_late=True, **settings.TASK_CLASSES["import"])
def retention_dry_run_task(job_id: int) -> None:
    """Count what the schedule would change now, for the user who asked (safe to run twice)."""
    from bangfu.privacy.dry_runs import dry_run_run

    dry_run_run(job_id=job_id)
