"""Celery edges of the matching runs: take a run id, call one service, safe to run twice.

A run delivered again while another attempt still computes it (its worker's main process died
and Redis handed the task out again, while an orphaned pool process works on) is retried until
that attempt finishes the run or stops renewing its lease: it never computes in parallel.
"""

from celery import shared_task
from django.conf import settings


@shared_task(bind=True, acks_late=True, max_retries=None, **settings.TASK_CLASSES["matching"])
def rank_region_task(self, run_id: int) -> int:
    from bangfu.matching_runs.services import RunBusy, run_ranking

    try:
        return run_ranking(run_id=run_id)
    except RunBusy as busy:
        raise self.retry(countdown=busy.retry_in) from None


@shared_task(bind=True, acks_late=True, max_retries=None, **settings.TASK_CLASSES["matching"])
def allocate_region_task(self, run_id: int) -> int:
    from bangfu.matching_runs.services import RunBusy, run_allocation

    try:
        return run_allocation(run_id=run_id)
    except RunBusy as busy:
        raise self.retry(countdown=busy.retry_in) from None


@shared_task(acks_late=True, **settings.TASK_CLASSES["matching"])
def finish_split_run_task(_results, run_id: int) -> None:
    """Chord callback of a run split by county: totals, and the loss against one global flow."""
    from bangfu.matching_runs.services import finish_split_run

    finish_split_run(run_id=run_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def fail_stalled_runs_task() -> int:
    """Fail the runs whose attempt stopped without finishing them (safe to run twice)."""
    from bangfu.matching_runs.services import runs_fail_stalled

    return runs_fail_stalled()
