"""The Celery edges of the webhooks: one attempt of one delivery, by id (safe to run twice);
and the periodic pass over deliveries whose retry is overdue."""

from celery import shared_task
from django.conf import settings

from bangfu.api.webhooks.delivery import webhook_deliver


@shared_task(bind=True, acks_late=True, max_retries=None, **settings.TASK_CLASSES["short"])
def deliver_webhook_task(self, delivery_id: int) -> None:
    # The delivery decides when it is over (delivery.MAX_ATTEMPTS), not the task's own count.
    retry_in = webhook_deliver(delivery_id=delivery_id)
    # Run in-process (the embedded mode), a task cannot wait: the periodic pass retries it.
    if retry_in is not None and not self.app.conf.task_always_eager:
        raise self.retry(countdown=retry_in)


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def retry_webhook_deliveries_task() -> int:
    from bangfu.api.webhooks.services import webhook_deliveries_retry_overdue

    return webhook_deliveries_retry_overdue()
