"""In-app notifications and their e-mails, and the digest that shows them.

A notification names the referral, the service and the village, never a person: it leaves the
staff interface by e-mail. Messages are written in the platform's default language, since the
recipient's own choice is not known when a deadline check writes them.

A county's desk receives hundreds a week; the notifications page shows them as a digest, one
line per kind and day ("12 referrals overdue"), each opening the notifications it counts.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

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


# --- the digest --------------------------------------------------------------------------------

COUNTED = {
    Kind.NEW_REFERRAL: ngettext_lazy("%(count)s new referral", "%(count)s new referrals", "count"),
    Kind.ACCEPTED: ngettext_lazy(
        "%(count)s referral accepted", "%(count)s referrals accepted", "count"
    ),
    Kind.DECLINED: ngettext_lazy(
        "%(count)s referral declined", "%(count)s referrals declined", "count"
    ),
    Kind.OVERDUE: ngettext_lazy(
        "%(count)s referral overdue", "%(count)s referrals overdue", "count"
    ),
    Kind.ESCALATED: ngettext_lazy(
        "%(count)s overdue referral escalated", "%(count)s overdue referrals escalated", "count"
    ),
    Kind.REROUTED: ngettext_lazy(
        "%(count)s referral re-routed", "%(count)s referrals re-routed", "count"
    ),
    Kind.NO_CANDIDATE: ngettext_lazy(
        "%(count)s case without a provider", "%(count)s cases without a provider", "count"
    ),
    Kind.COMPLETED: ngettext_lazy(
        "%(count)s service completed", "%(count)s services completed", "count"
    ),
    Kind.CLOSED: ngettext_lazy(
        "%(count)s referral closed without service",
        "%(count)s referrals closed without service",
        "count",
    ),
    Kind.REVOKED: ngettext_lazy(
        "%(count)s referral withdrawn", "%(count)s referrals withdrawn", "count"
    ),
    Kind.FILING_SENT: ngettext_lazy(
        "%(count)s filing (备案) received", "%(count)s filings (备案) received", "count"
    ),
    Kind.FILING_RETURNED: ngettext_lazy(
        "%(count)s filing (备案) returned", "%(count)s filings (备案) returned", "count"
    ),
    Kind.FILING_ACKNOWLEDGED: ngettext_lazy(
        "%(count)s filing (备案) acknowledged", "%(count)s filings (备案) acknowledged", "count"
    ),
}
# A kind added later without a counted wording of its own.
COUNTED_ANY = gettext_lazy("%(count)s × %(kind)s")


def counted(kind: str, count: int) -> str:
    """ "12 referrals overdue": the digest's wording of ``count`` notifications of ``kind``."""
    if kind in COUNTED:
        return COUNTED[kind] % {"count": count}
    label = Kind(kind).label if kind in Kind.values else kind
    return COUNTED_ANY % {"count": count, "kind": label}


@dataclass(frozen=True)
class DigestLine:
    day: dt.date
    kind: str
    count: int
    unread: int
    label: str
    # The notification itself when the line stands for only one: shown as written.
    single: Notification | None = None


def digest_rows(notifications: QuerySet[Notification]) -> QuerySet:
    """One row per day (local time) and kind, the latest first: its count, how many are unread
    and its latest notification. One aggregate query, to paginate."""
    return (
        notifications.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "kind")
        .annotate(
            count=Count("pk"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
            latest=Max("pk"),
        )
        .order_by("-day", "-latest")
    )


def digest_lines(rows: Iterable[dict]) -> list[DigestLine]:
    """The lines of one page of ``digest_rows``; a line of one notification carries it (one
    query for the page)."""
    rows = list(rows)
    singles = Notification.objects.in_bulk([row["latest"] for row in rows if row["count"] == 1])
    return [
        DigestLine(
            day=row["day"],
            kind=row["kind"],
            count=row["count"],
            unread=row["unread"],
            label=counted(row["kind"], row["count"]),
            single=singles.get(row["latest"]) if row["count"] == 1 else None,
        )
        for row in rows
    ]


def of_kind_and_day(
    notifications: QuerySet[Notification], *, kind: str, day: dt.date
) -> QuerySet[Notification]:
    """The notifications one digest line counts (the day in local time, as the digest has it)."""
    return notifications.filter(kind=kind, created_at__date=day)
