from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def refresh_need_priorities_task() -> int:
    """Waiting time raises priority day by day: recompute every open need (safe to run twice)."""
    from bangfu.registry.models import Need
    from bangfu.registry.services import needs_reprioritise

    return needs_reprioritise(needs=Need.objects.open())


# An export writes at most a county's ledger, as an import reads one: the same time limits.
@shared_task(acks_late=True, **settings.TASK_CLASSES["import"])
def export_households_task(job_id: int) -> None:
    """Write the file of a household export asked for as a background job (safe to run twice)."""
    from bangfu.registry.exports import households_export_run

    households_export_run(job_id=job_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["import"])
def ledger_import_task(job_id: int) -> None:
    """Import a ledger too big for a request, queued as a background job (safe to run twice)."""
    from bangfu.registry.ledger.jobs import ledger_import_run

    ledger_import_run(job_id=job_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def refresh_region_tallies_task() -> int:
    """Recount the dashboards' tallies of every region, and put right the household list's
    counts of the next slice of households (safe to run twice)."""
    from bangfu.registry.summaries import summaries_repair
    from bangfu.registry.tallies import tallies_refresh

    rows = tallies_refresh()
    summaries_repair()
    return rows
