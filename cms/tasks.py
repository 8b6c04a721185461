"""Celery tasks of the public site: take ids, safe to run twice."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def sync_offer_page_task(offer_id: int) -> None:
    from cms.services import offer_page_sync

    offer_page_sync(offer_id=offer_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def sync_project_page_task(project_id: int) -> None:
    from cms.services import project_page_sync

    project_page_sync(project_id=project_id)


PAGE_SYNC_TASKS = {"offer": sync_offer_page_task, "project": sync_project_page_task}


def page_sync_queue(kind: str, pk: int) -> None:
    """What the site does when a row is published (``core.publications.on_published``, after
    the commit): queue the sync of its page. Kinds without public pages are not the site's."""
    task = PAGE_SYNC_TASKS.get(kind)
    if task is not None:
        task.delay(pk)
