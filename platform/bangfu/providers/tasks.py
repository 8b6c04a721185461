from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_TIME_LIMITS["sweep"])
def refresh_provider_quality_task(kind: str | None = None, pk: int | None = None) -> int:
    """Refresh one provider's quality rating (after new feedback), or every rated provider's."""
    from bangfu.providers.services import providers_refresh_quality

    keys = None if kind is None else [(kind, pk)]
    return providers_refresh_quality(keys=keys)
