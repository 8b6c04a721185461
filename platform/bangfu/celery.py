import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")

app = Celery("bangfu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
