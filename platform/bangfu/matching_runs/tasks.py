"""Celery edges of the matching runs: take a run id, call one service, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def rank_region_task(run_id: int) -> int:
    from bangfu.matching_runs.services import run_ranking

    return run_ranking(run_id=run_id)


@shared_task(acks_late=True)
def allocate_region_task(run_id: int) -> int:
    from bangfu.matching_runs.services import run_allocation

    return run_allocation(run_id=run_id)


@shared_task(acks_late=True)
def finish_split_run_task(_results, run_id: int) -> None:
    """Chord callback of a run split by county: totals, and the loss against one global flow."""
    from bangfu.matching_runs.services import finish_split_run

    finish_split_run(run_id=run_id)
