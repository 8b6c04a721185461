from celery import shared_task


@shared_task(acks_late=True)
def refresh_need_priorities_task() -> int:
    """Waiting time raises priority day by day: recompute every open need (safe to run twice)."""
    from bangfu.registry.models import Need
    from bangfu.registry.services import needs_reprioritise

    return needs_reprioritise(needs=Need.objects.open())
