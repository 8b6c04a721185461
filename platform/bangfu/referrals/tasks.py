"""Deadline checks, e-mails and providers' ratings. Tasks take ids and are safe to run twice."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def check_referral_deadlines_task() -> int:
    """Beat: queue one handler per overdue referral; returns how many were queued."""
    from bangfu.referrals.models import Referral

    ids = list(Referral.objects.overdue().order_by("pk").values_list("pk", flat=True))
    for referral_id in ids:
        handle_overdue_referral_task.delay(referral_id)
    return len(ids)


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def repair_desk_order_task() -> int:
    """Beat: put right the desk's order kept on the next slice of cases, as the ten-minute
    refresh does the household summaries (safe to run twice); returns how many were wrong."""
    from bangfu.referrals.desk_order import desk_order_repair

    return desk_order_repair()


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def handle_overdue_referral_task(referral_id: int) -> str:
    from bangfu.referrals.services import referral_handle_overdue

    return referral_handle_overdue(referral_id=referral_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def send_notification_email_task(notification_id: int) -> bool:
    """E-mail one notification once; a second run finds it sent and does nothing."""
    from bangfu.referrals.services import notification_email

    return notification_email(notification_id=notification_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["sweep"])
def refresh_provider_quality_task(provider_id: int | None = None) -> int:
    """Refresh one provider's quality rating (after new feedback), or every rated provider's."""
    from bangfu.referrals.services import providers_refresh_quality

    return providers_refresh_quality(provider_ids=None if provider_id is None else [provider_id])


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def send_requester_message_task(message_id: int) -> bool:
    """Send one SMS to a help request's requester once; a failure is recorded, not raised."""
    from bangfu.referrals.services.help_requests import requester_message_send

    return requester_message_send(message_id=message_id)


@shared_task(acks_late=True, **settings.TASK_CLASSES["short"])
def tell_help_requests_task() -> int:
    """Beat: tell requesters of steps reached on the referral's side; retry failed messages."""
    from bangfu.referrals.services.help_requests import help_requests_tell_progress

    return help_requests_tell_progress()
