"""Background jobs of finding people: both are safe to run twice (warnings have unique keys,
scheduled tasks are unique per household, kind and period)."""

from celery import shared_task


@shared_task(acks_late=True)
def flags_scan_task() -> int:
    """Every night: run the rules over each county (a review falls due, a list ages)."""
    from bangfu.discovery.services import counties, flags_scan

    return sum(flags_scan(region=county).created for county in counties())


@shared_task(acks_late=True)
def tasks_schedule_task() -> int:
    """Every night: the reviews falling due and this period's visits, for each county."""
    from bangfu.discovery.services import counties, tasks_schedule

    created = 0
    for county in counties():
        result = tasks_schedule(region=county)
        created += result.reviews + result.visits
    return created
