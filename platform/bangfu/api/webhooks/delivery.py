"""Posting a delivery: the body, its signature, where it may go, and when to try again.

A subscriber checks ``X-Bangfu-Signature`` (``sha256=`` and the hex HMAC-SHA256, under the
subscription's secret, of ``X-Bangfu-Timestamp`` + "." + the raw body) and refuses a
timestamp older than a few minutes, so a captured delivery cannot be replayed later.
``X-Bangfu-Delivery`` is the same on every attempt of one delivery: a subscriber that saw it
already answers 2xx and does nothing (deliveries are at least once).
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.api.webhooks.models import WebhookAttempt, WebhookDelivery

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 60
LONGEST_BACKOFF_SECONDS = 6 * 60 * 60
RESPONSE_KEPT_CHARS = 2000
# How late a retry may be before the periodic pass queues it again, and how early one may
# arrive (clocks differ) and still be made.
RETRY_GRACE = dt.timedelta(minutes=5)
EARLY_TOLERANCE = dt.timedelta(seconds=30)
USER_AGENT = "Bangfu-Webhooks/1"

Status = WebhookDelivery.Status


def backoff_seconds(attempt: int) -> int:
    """After the ``attempt``-th failure: 1 min, 4 min, 16 min, 64 min, 4 h 16 min, then 6 h."""
    return min(FIRST_BACKOFF_SECONDS * 4 ** (attempt - 1), LONGEST_BACKOFF_SECONDS)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(
        {
            "id": str(delivery.uuid),
            "event": delivery.event,
            "occurred_at": delivery.occurred_at.isoformat(),
            "region": delivery.region_code,
            "data": delivery.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def check_destination(url: str) -> None:
    """Refuse a URL that is not https (in production) or whose host resolves to an address of
    the internal network (unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES, as in the embedded mode)."""
    parts = urlsplit(url)
    schemes = {"https"} if settings.PRODUCTION else {"https", "http"}
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationError({"url": _("Give an https:// address.")})
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError({"url": _("This host name cannot be resolved.")}) from None
    for *_rest, address in found:
        ip = ipaddress.ip_address(address[0].split("%")[0])
        ip = getattr(ip, "ipv4_mapped", None) or ip
        if not ip.is_global or ip.is_multicast:
            raise ValidationError(
                {"url": _("This address is inside a private network: give a public one.")}
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new destination: it could lead past the address check."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    response: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def worth_retrying(self) -> bool:
        """Network errors, 429 and 5xx may pass; any other answer will be the same next time."""
        code = self.status_code
        return (code is None and not self.refused) or code == 429 or (code or 0) >= 500

    @property
    def refused(self) -> bool:
        return self.error.startswith("refused:")


def post(url: str, *, secret: str, event: str, delivery_id: str, body: bytes) -> Answer:
    try:
        check_destination(url)
    except ValidationError as error:
        return Answer(None, error=f"refused: {' '.join(error.messages)}"[:200])
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Bangfu-Event": event,
            "X-Bangfu-Delivery": delivery_id,
            "X-Bangfu-Timestamp": timestamp,
            "X-Bangfu-Signature": signature(secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return Answer(response.status, _text(response.read(RESPONSE_KEPT_CHARS * 4)))
    except urllib.error.HTTPError as error:
        return Answer(error.code, _text(error.read(RESPONSE_KEPT_CHARS * 4)))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return Answer(None, error=str(getattr(error, "reason", error))[:200])


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")[:RESPONSE_KEPT_CHARS]


def webhook_deliver(*, delivery_id: int, now: dt.datetime | None = None) -> int | None:
    """Make the delivery's next attempt and log it; returns in how many seconds to try again,
    or None when the delivery is over (delivered, failed for good, cancelled).

    The row stays locked during the POST, so a task delivered twice never posts twice at
    once; a crash between the POST and the commit posts again (at least once)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in WebhookDelivery.FINAL:
            return None
        # Queued twice (a retry late and queued again by the periodic pass): the first made
        # the attempt and set the next one's time.
        now = now or timezone.now()
        due = delivery.next_attempt_at
        if due is not None and due > now + EARLY_TOLERANCE:
            return None
        subscription = delivery.subscription
        if not subscription.is_active:
            delivery.status, delivery.next_attempt_at = Status.CANCELLED, None
            delivery.save(update_fields=["status", "next_attempt_at"])
            return None
        started = time.monotonic()
        answer = post(
            subscription.url,
            secret=subscription.secret,
            event=delivery.event,
            delivery_id=str(delivery.uuid),
            body=body_of(delivery),
        )
        delivery.attempts += 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=now,
            status_code=answer.status_code,
            response=answer.response,
            error=answer.error,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        retry_in = None
        if answer.delivered:
            delivery.status = Status.DELIVERED
        elif answer.worth_retrying and delivery.attempts < MAX_ATTEMPTS:
            retry_in = backoff_seconds(delivery.attempts)
            delivery.status = Status.RETRYING
        else:
            delivery.status = Status.FAILED
        delivery.next_attempt_at = now + dt.timedelta(seconds=retry_in) if retry_in else None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        return retry_in
