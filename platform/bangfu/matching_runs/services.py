"""The only code that starts, runs and records matching runs (one need is ranked on demand by
``ranking``; a run's suggestions are sent as referrals by ``referring``).

A run is requested once per job key (asking again returns the same run), queued after the
transaction commits, and safe to be delivered twice. An attempt takes a lease on the run row
and renews it while it computes: a second delivery while that attempt lives waits for it
(``RunBusy``), one after its worker died (the lease lapsed) takes the run over. Results are
written in one transaction, and only by the attempt holding the lease, replacing whatever a
dead attempt may have left: a finished run is never run again and never gets its rows twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid

from celery import chord
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.jobs import WORK_STOPPED
from bangfu.matching_runs import adapter, engine
from bangfu.matching_runs.fairness import merge_reports
from bangfu.matching_runs.models import Allocation, MatchingRun, RankedCandidate
from bangfu.regions.models import Region

RUN_ROLES = {"bureau_staff", "bureau_manager"}
logger = logging.getLogger(__name__)


class RunBusy(Exception):
    """Another attempt holds the run's lease and is alive: deliver again in ``retry_in`` s."""

    def __init__(self, run_id: int, retry_in: float):
        super().__init__(f"matching run {run_id} is being computed by another attempt")
        self.retry_in = retry_in


def lease_duration() -> dt.timedelta:
    """How long an attempt's lease lasts after its last heartbeat."""
    return dt.timedelta(seconds=3 * settings.MATCHING_RUN_HEARTBEAT_SECONDS)


def can_run(user) -> bool:
    scope = scope_for(user)
    return scope.everything or bool(scope.roles & RUN_ROLES)


def require_run_permission(*, by) -> None:
    if not can_run(by):
        raise PermissionDenied(_("Only bureau staff and managers start matching runs."))


def run_request(
    *,
    kind: str,
    region: Region,
    by=None,
    parameters: dict | None = None,
    household_bundles: bool = False,
    job_key: str = "",
) -> MatchingRun:
    """Record a run and queue it once the transaction commits; the same job key, the same run."""
    job_key = job_key or f"{kind}:{region.code}:{timezone.now():%Y%m%dT%H%M%S.%f}"
    with transaction.atomic():
        run, created = MatchingRun.objects.get_or_create(
            job_key=job_key,
            defaults={
                "kind": kind,
                "region": region,
                "parameters": parameters or {},
                "household_bundles": household_bundles,
                "requested_by": by if getattr(by, "is_authenticated", False) else None,
            },
        )
        if created:
            transaction.on_commit(lambda: _dispatch(run.pk))
    return run


def _dispatch(run_id: int) -> None:
    from bangfu.matching_runs import tasks

    run = MatchingRun.objects.select_related("region").get(pk=run_id)
    if run.kind == MatchingRun.Kind.RANK:
        tasks.rank_region_task.delay(run.pk)
    elif run.kind == MatchingRun.Kind.ALLOCATE:
        tasks.allocate_region_task.delay(run.pk)
    else:
        parts = _split_by_county(run)
        chord(tasks.allocate_region_task.s(part.pk) for part in parts)(
            tasks.finish_split_run_task.s(run_id=run.pk)
        )


def _split_by_county(run: MatchingRun) -> list[MatchingRun]:
    """One child run per county below the region, each a task a worker can take."""
    counties = Region.objects.subtree(run.region).filter(level=Region.Level.COUNTY)
    parts = []
    for county in counties.order_by("code"):
        part, _created = MatchingRun.objects.get_or_create(
            job_key=f"{run.job_key}/{county.code}",
            defaults={
                "kind": MatchingRun.Kind.ALLOCATE,
                "region": county,
                "parent": run,
                "parameters": run.parameters,
                "household_bundles": run.household_bundles,
                "requested_by": run.requested_by,
            },
        )
        parts.append(part)
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.RUNNING, started_at=timezone.now(), progress=1
    )
    return parts


def _start(run_id: int, token: str) -> MatchingRun | None:
    """Take the run's lease for the attempt ``token``; None when the run is already done (a
    redelivered task). Raises RunBusy while another attempt's lease is alive."""
    with transaction.atomic():
        run = MatchingRun.objects.select_for_update().select_related("region").get(pk=run_id)
        if run.status == MatchingRun.Status.DONE:
            return None
        now = timezone.now()
        if run.status == MatchingRun.Status.RUNNING and run.heartbeat_at is not None:
            expires = run.heartbeat_at + lease_duration()
            if expires > now:
                raise RunBusy(run.pk, retry_in=(expires - now).total_seconds())
            logger.warning(
                "Matching run %s: attempt %s stopped renewing its lease (its worker died); "
                "restarting the run.",
                run.pk,
                run.attempts,
            )
        run.status, run.started_at, run.progress, run.error = (
            MatchingRun.Status.RUNNING,
            now,
            5,
            "",
        )
        run.attempts += 1
        run.attempt_token, run.heartbeat_at = token, now
        run.save(
            update_fields=[
                "status",
                "started_at",
                "progress",
                "error",
                "attempts",
                "attempt_token",
                "heartbeat_at",
            ]
        )
    return run


class _Heartbeat:
    """Renews an attempt's lease from a thread of its own (with its own database connection),
    so that a long solve in compiled code, which holds no Python lock, keeps it alive."""

    def __init__(self, run_id: int, token: str):
        self.run_id, self.token = run_id, token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"run-{run_id}-lease", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.MATCHING_RUN_HEARTBEAT_SECONDS):
                try:
                    MatchingRun.objects.filter(pk=self.run_id, attempt_token=self.token).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # A missed beat at worst lets a second attempt start; the lease check
                    # before the results are written keeps that one from writing twice.
                    logger.warning("Matching run %s: a lease heartbeat failed.", self.run_id)
        finally:
            connection.close()


def _progress(run: MatchingRun, percent: int) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(progress=percent)
    if run.parent_id:
        _parent_progress(run.parent_id)


def _parent_progress(parent_id: int) -> None:
    parts = list(MatchingRun.objects.filter(parent_id=parent_id).values_list("progress", flat=True))
    if parts:
        MatchingRun.objects.filter(pk=parent_id).update(progress=max(sum(parts) // len(parts), 1))


def _fail(run: MatchingRun, error: Exception) -> None:
    # Only the attempt holding the lease speaks for the run.
    MatchingRun.objects.filter(pk=run.pk, attempt_token=run.attempt_token).update(
        status=MatchingRun.Status.FAILED,
        finished_at=timezone.now(),
        error=f"{type(error).__name__}: {error}",
    )


def _compute(run: MatchingRun, *, allocate: bool) -> int:
    token = uuid.uuid4().hex
    run = _start(run.pk, token)
    if run is None:
        return 0
    started = time.perf_counter()
    try:
        with _Heartbeat(run.pk, token):
            instance = adapter.load_instance(run.region)
            _progress(run, 30)
            result = engine.solve(
                instance,
                top_k=int(run.parameters.get("top_k", 10)),
                allocate=allocate,
                bundle_strength=run.bundle_strength,
            )
            _progress(run, 80)
            written = _write_results(run, instance, result, allocate=allocate, started=started)
    except Exception as error:
        _fail(run, error)
        raise
    if not written:
        return 0
    if run.parent_id:
        _parent_progress(run.parent_id)
    return len(result.allocated) if allocate else len(result.ranked)


@transaction.atomic
def _write_results(run: MatchingRun, instance, result, *, allocate: bool, started: float) -> bool:
    """Replace the run's results and mark it done, all in one transaction, if this attempt
    still holds the lease; False, and nothing written, if another attempt took the run over."""
    current = MatchingRun.objects.select_for_update().only("status", "attempt_token").get(pk=run.pk)
    if current.status == MatchingRun.Status.DONE or current.attempt_token != run.attempt_token:
        logger.warning(
            "Matching run %s: attempt %s lost its lease to another; its results are dropped.",
            run.pk,
            run.attempts,
        )
        return False
    run.candidates.all().delete()
    run.allocations.all().delete()
    RankedCandidate.objects.bulk_create(
        (
            RankedCandidate(
                run=run,
                need_id=row.need_id,
                rank=row.rank,
                provider_kind=row.kind,
                provider_id=row.provider_id,
                score=row.score,
                components=row.components,
                distance_km=row.distance_km,
            )
            for row in result.ranked
        ),
        batch_size=2000,
    )
    Allocation.objects.bulk_create(
        (
            Allocation(
                run=run,
                need_id=row.need_id,
                provider_kind=row.kind,
                provider_id=row.provider_id,
                score=row.score,
                components=row.components,
                distance_km=row.distance_km,
                priority=row.priority,
            )
            for row in result.allocated
        ),
        batch_size=2000,
    )
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        duration_seconds=time.perf_counter() - started,
        needs_count=len(instance.needs),
        providers_count=len(instance.providers),
        pairs_count=result.pairs,
        assigned_count=len(result.allocated),
        objective=result.objective if allocate else None,
        bound=result.bound,
        left_out=[row.as_dict() for row in instance.left_out],
        exclusions=[exclusion.as_dict() for exclusion in instance.exclusions],
        fairness=result.fairness or {},
        floor_proven=result.floor_proven,
        floor_upper=result.floor_upper,
        bundles=result.bundles or {},
    )
    return True


def run_ranking(*, run_id: int) -> int:
    """Top candidates of every open need of the region, written as RankedCandidate rows."""
    return _compute(MatchingRun.objects.get(pk=run_id), allocate=False)


def run_allocation(*, run_id: int) -> int:
    """Rank, then propose one provider per need within capacities; returns needs allocated."""
    return _compute(MatchingRun.objects.get(pk=run_id), allocate=True)


def finish_split_run(*, run_id: int) -> None:
    """Total the counties of a split run, and compare with one allocation over the whole region."""
    run = MatchingRun.objects.select_related("region").get(pk=run_id)
    if run.status == MatchingRun.Status.DONE:
        return
    parts = list(run.parts.all())
    failed = [part for part in parts if part.status != MatchingRun.Status.DONE]
    if failed:
        _fail(run, RuntimeError(_("%(n)d counties did not finish") % {"n": len(failed)}))
        return
    started = time.perf_counter()
    global_objective = engine.solve(
        adapter.load_instance(run.region),
        top_k=1,
        allocate=True,
        bundle_strength=run.bundle_strength,
    )
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        duration_seconds=sum(part.duration_seconds or 0 for part in parts)
        + time.perf_counter()
        - started,
        needs_count=sum(part.needs_count for part in parts),
        providers_count=sum(part.providers_count for part in parts),
        pairs_count=sum(part.pairs_count for part in parts),
        assigned_count=sum(part.assigned_count for part in parts),
        objective=sum(part.objective or 0 for part in parts),
        bound=global_objective.objective,
        left_out=[row for part in parts for row in part.left_out],
        exclusions=[row for part in parts for row in part.exclusions],
        fairness=merge_reports([part.fairness for part in parts]),
        **engine.merge_floors(parts),
        bundles=engine.merge_bundles([part.bundles for part in parts]),
    )


def runs_fail_stalled() -> int:
    """Fail every run whose attempt stopped without finishing it and was not started again,
    with ``WORK_STOPPED`` as its error; returns how many.

    An attempt killed at its hard time limit is acknowledged and never delivered again; one
    whose worker died is delivered again once the visibility timeout passed, and restarts the
    run. So a run is taken for stopped when its lease lapsed and the visibility timeout went
    by since its last heartbeat; it is failed as of that heartbeat. A run split by county has
    no lease: its parts do, and its chord's callback never runs once a part failed; it is taken
    for stopped when none of its parts is working nor finished within that time.
    """
    silent_since = timezone.now() - max(
        lease_duration(),
        dt.timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]),
    )
    running = MatchingRun.objects.filter(status=MatchingRun.Status.RUNNING)
    # Runs from before the lease have no heartbeat: their start is their last sign of life.
    last_sign = Coalesce("heartbeat_at", "started_at")
    stalled = (
        running.exclude(kind=MatchingRun.Kind.PROVINCE)
        .filter(
            Q(heartbeat_at__lt=silent_since) | Q(heartbeat_at=None, started_at__lt=silent_since)
        )
        .update(status=MatchingRun.Status.FAILED, error=WORK_STOPPED, finished_at=last_sign)
    )
    parts_alive = MatchingRun.objects.filter(parent=OuterRef("pk")).filter(
        Q(status__in=[MatchingRun.Status.QUEUED, MatchingRun.Status.RUNNING])
        | Q(finished_at__gte=silent_since)
    )
    stalled += (
        running.filter(kind=MatchingRun.Kind.PROVINCE, started_at__lt=silent_since)
        .filter(~Exists(parts_alive))
        .update(status=MatchingRun.Status.FAILED, error=WORK_STOPPED, finished_at=timezone.now())
    )
    if stalled:
        logger.warning("%d matching runs stopped without finishing: marked failed.", stalled)
    return stalled
