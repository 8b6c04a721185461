"""The Celery app. Tasks are Django-aware: ``delay_on_commit`` queues them only after the
surrounding transaction commits, so a worker never reads a row that was rolled back."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")

app = Celery("bangfu", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def route_by_time_class(name, args, kwargs, options, task=None, **_kw):
    """Each task to the queue of its time-limit class (``settings.TASK_CLASSES``); a task with
    no class (none of ours) to the default queue."""
    from django.conf import settings

    time_class = getattr(task, "time_class", None)
    return {"queue": settings.TASK_QUEUE_PREFIX + time_class} if time_class else None
