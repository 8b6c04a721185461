"""The notifications page: a digest by kind and day, each line opening what it counts; opening a
notification marks it read and follows its link."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.referrals import notifications as digest
from bangfu.referrals import selectors, services
from bangfu.referrals.models import Notification


def _line_filter(data) -> tuple[str, dt.date] | None:
    """The kind and day of one digest line, from a query or a form; None when not both valid."""
    kind = data.get("kind", "")
    try:
        day = dt.date.fromisoformat(data.get("day", ""))
    except ValueError:
        return None
    return (kind, day) if kind in Notification.Kind.values else None


@never_cache
@login_required
@require_GET
def notification_list(request):
    """The digest; with ``kind`` and ``day``, the notifications of that one line."""
    notifications = selectors.notifications_for(request.user)
    line = _line_filter(request.GET)
    today = timezone.localdate()
    context = {
        "unread": selectors.unread_count(request.user),
        "today": today,
        "yesterday": today - dt.timedelta(days=1),
    }
    if line is not None:
        kind, day = line
        page = Paginator(digest.of_kind_and_day(notifications, kind=kind, day=day), 30).get_page(
            request.GET.get("page")
        )
        context |= {
            "page_obj": page,
            "line": {
                "kind": kind,
                "day": day,
                "label": digest.counted(kind, page.paginator.count),
            },
            "query_without_page": f"{urlencode({'kind': kind, 'day': day.isoformat()})}&",
        }
    else:
        page = Paginator(digest.digest_rows(notifications), 30).get_page(request.GET.get("page"))
        context |= {"page_obj": page, "lines": digest.digest_lines(page.object_list)}
    return render(request, "referrals/notifications.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk: int):
    """Mark one of the user's notifications read and follow its link. GET too, so that the
    bell's and the digest's links are plain links; it changes nothing but the user's own
    notification, and another user's is a 404."""
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("referrals:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    """Mark all the user's notifications read, or those of one digest line."""
    line = _line_filter(request.POST)
    if line is None:
        services.notifications_mark_read(user=request.user)
        return redirect("referrals:notifications")
    kind, day = line
    counted = digest.of_kind_and_day(selectors.notifications_for(request.user), kind=kind, day=day)
    services.notifications_mark_read(user=request.user, ids=counted.values_list("pk", flat=True))
    return redirect("referrals:notifications")
