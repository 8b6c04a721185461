"""Background jobs of finding people: both are safe to run twice (warnings have unique keys,
scheduled tasks are unique per household, kind and period)."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def flags_scan_task() -> int:
    """Every night: run the rules over each county (a review falls due, a list ages)."""
    from bangfu.discovery.services import counties, flags_scan

    return sum(flags_scan(region=county).created for county in counties())


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def tasks_schedule_task() -> int:
    """Every night: the reviews falling due and this period's visits, for each county."""
    from bangfu.discovery.services import counties, tasks_schedule

    created = 0
    for county in counties():
        result = tasks_schedule(region=county)
        created += result.reviews + result.visits
    return created


@shared_task(acks_late=True, **settings.TASK_CLASSES["import"])
def crosscheck_import_task(job_id: int) -> None:
    """Import a department's file too big for a request, queued as a background job."""
    from bangfu.discovery.import_jobs import crosscheck_import_run

    crosscheck_import_run(job_id=job_id)
