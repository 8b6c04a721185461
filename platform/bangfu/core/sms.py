"""Short messages (SMS) to people who have no account: a help request's requester learns how the
request moves on the phone number they gave.

One backend sends, chosen by the ``SMS_BACKEND`` setting (a dotted class path): the console and
file backends are for development, the HTTP gateway backend posts to the county's SMS gateway
(``SMS_GATEWAY_URL``, ``SMS_GATEWAY_KEY``, ``SMS_GATEWAY_TIMEOUT``). Every failure is an
``SmsError`` whose message names no phone number: the caller records it (a message is sent from a
task, after the commit, so a gateway that is down never fails the request that caused it). The
development backends mask the number: a console or a file is a log.
"""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from bangfu.core.masking import mask_phone


class SmsError(Exception):
    """The message was not sent; the text says why (never the number)."""


class ConsoleBackend:
    """Writes each message to standard output, the number masked."""

    def send(self, phone: str, text: str) -> str:
        print(f"SMS to {mask_phone(phone)}: {text}", flush=True)
        return ""


class FileBackend:
    """Appends each message as a JSON line to ``SMS_FILE_PATH``, the number masked."""

    def send(self, phone: str, text: str) -> str:
        path = settings.SMS_FILE_PATH
        line = {"at": datetime.now(UTC).isoformat(), "to": mask_phone(phone), "text": text}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as error:
            raise SmsError(f"cannot write {path}: {error.strerror}") from None
        return ""


class HttpGatewayBackend:
    """Posts ``{"to": …, "text": …}`` as JSON to the gateway with the key as a bearer token; a
    2xx answer is a message accepted, its JSON ``id`` (if any) the gateway's reference."""

    def __init__(self):
        if not settings.SMS_GATEWAY_URL:
            raise ImproperlyConfigured("Set SMS_GATEWAY_URL to send SMS through a gateway.")
        self.url = settings.SMS_GATEWAY_URL
        self.key = settings.SMS_GATEWAY_KEY
        self.timeout = settings.SMS_GATEWAY_TIMEOUT

    def send(self, phone: str, text: str) -> str:
        body = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                **({"Authorization": f"Bearer {self.key}"} if self.key else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read(64 * 1024)
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"gateway unreachable: {getattr(error, 'reason', error)}") from None
        try:
            reference = json.loads(answer or b"{}").get("id", "")
        except (ValueError, AttributeError):
            reference = ""
        return str(reference)[:100]


@cache
def _backend_class(path: str):
    return import_string(path)


def send(phone: str, text: str) -> str:
    """Send ``text`` to ``phone`` through the configured backend; returns the backend's reference
    ("" when it gives none). Raises ``SmsError`` when the message could not be sent."""
    return _backend_class(settings.SMS_BACKEND)().send(phone, text)
