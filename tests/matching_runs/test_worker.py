"""The region ranking task run by a real Celery worker through the broker (CI's PostgreSQL
stage). No module-level ``django_db`` mark: the worker fixture needs its serialized rollback."""

import time

import pytest

from bangfu.matching_runs.models import MatchingRun, RankedCandidate
from bangfu.matching_runs.services import run_request
from tests.matching_runs.conftest import household_with_need


@pytest.mark.worker
def test_a_real_worker_ranks_a_region(celery_worker, county, providers, bureau):
    region, _t1, village1, _t2, _v2 = county
    household_with_need(village1)
    household_with_need(village1, category="rehabilitation")
    # transactional_db: the request commits and queues the task through the broker.
    run = run_request(kind="rank", region=region, by=bureau)
    for _ in range(120):
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.5)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    assert RankedCandidate.objects.filter(run=run).count() == 2
