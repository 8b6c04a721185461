"""Each task goes to the queue of its time-limit class (``settings.TASK_CLASSES``): a worker
started on one queue (``celery worker -Q short``) runs that class's tasks and leaves the others
queued for their own workers, so a notification never waits behind a night's sweep; a plain
worker consumes every queue."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from bangfu.celery import app
from bangfu.core.tasks import seal_audit_entries_task
from bangfu.registry.tasks import refresh_need_priorities_task


def our_tasks() -> dict:
    app.loader.import_default_modules()  # what a worker does at start: every tasks.py
    return {name: task for name, task in app.tasks.items() if name.startswith(("bangfu.", "cms."))}


def worker_of(queue: str):
    """A real worker, in a thread of this process, consuming only ``queue`` (``-Q queue``)."""
    return start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[queue]
    )


def routed_to(task) -> str:
    return app.amqp.router.route({}, task.name, (), {}, task)["queue"].name


def test_every_task_goes_to_the_queue_of_its_class(settings):
    tasks = our_tasks()
    assert len(tasks) >= 12
    for name, task in tasks.items():
        limits = settings.TASK_CLASSES[task.time_class]
        assert (task.soft_time_limit, task.time_limit) == (
            limits["soft_time_limit"],
            limits["time_limit"],
        ), name
        assert routed_to(task) == task.time_class, name
    # every class has its tasks, each in a queue of its own
    assert {task.time_class for task in tasks.values()} == set(settings.TASK_CLASSES)
    # control: a task without a class (Celery's own) goes to the default queue
    assert routed_to(app.tasks["celery.backend_cleanup"]) == "celery"


def test_a_plain_worker_consumes_every_queue_and_each_queue_gets_only_its_own_tasks(settings):
    declared = settings.CELERY_TASK_QUEUES
    assert {queue.name for queue in declared} == {"celery", *settings.TASK_CLASSES}
    # Queues bound alike would each receive the others' tasks: each is bound by its own name.
    bindings = [(queue.exchange.name, queue.routing_key) for queue in app.amqp.queues.values()]
    assert len(set(bindings)) == len(bindings)
    assert all(queue.routing_key == queue.name for queue in declared)


@pytest.mark.worker
def test_a_worker_of_the_short_queue_leaves_a_sweep_to_the_sweeps_worker(
    broker_url, committed, worker_id, settings
):
    settings.TASK_QUEUE_PREFIX = prefix = f"bangfu-test-{worker_id}-queues."
    broker = redis.Redis.from_url(broker_url)
    try:
        with worker_of(f"{prefix}short"):
            sweep = refresh_need_priorities_task.delay()
            short = seal_audit_entries_task.delay()
            # the short task is run, though the sweep was queued before it
            assert short.get(timeout=30) == 0
            # and the sweep waits in its own queue for a worker of its class
            assert broker.llen(f"{prefix}sweep") == 1
            assert sweep.state == "PENDING"
        # control: the sweep's own worker runs it
        with worker_of(f"{prefix}sweep"):
            assert sweep.get(timeout=30) == 0
        assert broker.llen(f"{prefix}sweep") == 0
    finally:
        broker.delete(*(f"{prefix}{name}" for name in settings.TASK_CLASSES))
