"""Celery tasks of the public site: take ids, safe to run twice."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_TIME_LIMITS["short"])
def sync_offer_page_task(offer_id: int) -> None:
    from cms.services import offer_page_sync

    offer_page_sync(offer_id=offer_id)


def page_sync_queue(kind: str, pk: int) -> None:
    """What the site does when a row is published (``core.publications.on_published``, after
    the commit): queue the sync of its page. Project pages follow the scheduled sweep below."""
    if kind == "offer":
        sync_offer_page_task.delay(pk)


@shared_task(acks_late=True, **settings.TASK_TIME_LIMITS["sweep"])
def sync_project_pages_task(region_id: int | None = None) -> dict[str, int]:
    from bangfu.regions.models import Region
    from cms.services import project_pages_sync

    region = Region.objects.get(pk=region_id) if region_id else None
    return project_pages_sync(region=region)
