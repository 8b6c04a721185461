"""In-app notifications and their e-mails.

A notification names the referral, the service and the village, never a person: it leaves the
staff interface by e-mail. Messages are written in the platform's default language, since the
recipient's own choice is not known when a deadline check writes them.
"""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.referrals.models import Notification, Referral

Kind = Notification.Kind


def notify(
    *,
    recipients: Iterable,
    kind: str,
    message: str,
    url: str = "",
    referral=None,
    at=None,
) -> list[Notification]:
    """Write one notification per recipient; each is e-mailed after the transaction commits."""
    from bangfu.referrals.tasks import send_notification_email_task

    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                message=message[:300],
                url=url,
                referral=referral,
                created_at=at or timezone.now(),
            )
        )
    created = Notification.objects.bulk_create(rows)
    for notification in created:
        if notification.recipient.email:
            send_notification_email_task.delay_on_commit(notification.pk)
    return created


def describe(referral: Referral) -> dict[str, str]:
    need = referral.need
    village = need.household.region
    return {
        "number": str(referral.pk),
        "service": need.category.name,
        "village": village.name,
        "township": village.parent.name if village.parent else "",
    }


def when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def portal_url(referral: Referral) -> str:
    return reverse("portal:case", args=[referral.pk])


def desk_url(referral: Referral) -> str:
    return reverse("referrals:referral-detail", args=[referral.pk])


def message_for(kind: str, referral: Referral, **extra) -> str:
    """The text of a notification about ``referral``, in the platform's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        facts = describe(referral) | {key: str(value) for key, value in extra.items()}
        texts = {
            Kind.NEW_REFERRAL: _(
                "New referral %(number)s: %(service)s in %(village)s, %(township)s. "
                "Please answer by %(due)s."
            ),
            Kind.ACCEPTED: _("Referral %(number)s (%(service)s, %(village)s) was accepted."),
            Kind.DECLINED: _(
                "Referral %(number)s (%(service)s, %(village)s) was declined: %(reason)s. "
                "The case is back at the intake desk."
            ),
            Kind.OVERDUE: _(
                "Referral %(number)s (%(service)s, %(village)s) is overdue since %(due)s. "
                "It goes to another provider after %(reroute)s."
            ),
            Kind.ESCALATED: _(
                "Referral %(number)s (%(service)s, %(village)s) with %(provider)s is overdue "
                "since %(due)s."
            ),
            Kind.REROUTED: _(
                "Referral %(number)s (%(service)s, %(village)s) expired; the case was sent "
                "to %(provider)s."
            ),
            Kind.NO_CANDIDATE: _(
                "No provider can take %(service)s in %(village)s (referral %(number)s): the "
                "case waits at the intake desk."
            ),
            Kind.COMPLETED: _(
                "Referral %(number)s (%(service)s, %(village)s) was completed. Please record "
                "the household's feedback."
            ),
            Kind.CLOSED: _(
                "Referral %(number)s (%(service)s, %(village)s) was closed without service: "
                "%(reason)s."
            ),
            Kind.REVOKED: _("Referral %(number)s (%(service)s, %(village)s) was withdrawn."),
        }
        return texts[kind] % facts
