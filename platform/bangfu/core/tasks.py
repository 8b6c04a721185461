from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_TIME_LIMITS["short"])
def fail_stalled_jobs_task() -> int:
    """Fail the background jobs whose task stopped without finishing them (safe to run twice)."""
    from bangfu.core.jobs import jobs_fail_stalled

    return jobs_fail_stalled()
