"""Notifications read in the app, and their e-mails."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from bangfu.core.masking import mask_text
from bangfu.referrals import selectors
from bangfu.referrals.models import Notification

EMAIL_STALE_AFTER = dt.timedelta(days=2)


def notifications_mark_read(*, user, ids=None, at: dt.datetime | None = None) -> int:
    """Mark the user's notifications read (all of them, or those in ``ids``)."""
    unread = selectors.notifications_for(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=at or timezone.now())


def notification_email(*, notification_id: int, at: dt.datetime | None = None) -> bool:
    """Send one notification by e-mail unless it went already or is stale; True when sent now.

    The row stays locked while the mail goes out, so two workers never both send it; should
    the commit fail after sending, the retry sends it once more (at least once, not at most).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        if notification.created_at < (at or timezone.now()) - EMAIL_STALE_AFTER:
            # After an outage (or for the demo's history) the in-app list is enough.
            return False
        # Absolute links need a SITE_URL setting; without one the path alone is given.
        site = getattr(settings, "SITE_URL", "").rstrip("/")
        link = f"\n\n{site}{notification.url}" if notification.url else ""
        send_mail(
            subject=f"[{settings.SITE_NAME}] {notification.get_kind_display()}",
            message=mask_text(notification.message) + link,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = at or timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True
