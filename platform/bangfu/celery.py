"""The Celery app. Tasks are Django-aware: ``delay_on_commit`` queues them only after the
surrounding transaction commits, so a worker never reads a row that was rolled back."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")

app = Celery("bangfu", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
