from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def fail_stalled_jobs_task() -> int:
    """Fail the background jobs whose task stopped without finishing them (safe to run twice)."""
    from bangfu.core.jobs import jobs_fail_stalled

    return jobs_fail_stalled()


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def seal_audit_entries_task() -> int:
    """Seal the audit entries that their transaction's own sealing missed (safe to run twice),
    looking only a margin below the newest sealed entry (``audit_verify --seal`` looks at all)."""
    from bangfu.core.audit_chain import recent_floor, seal_pending

    return seal_pending(from_pk=recent_floor())
