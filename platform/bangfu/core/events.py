"""Events other systems may hear of: the write services ``emit`` them, an upper app that tells
the outside world (the API's webhooks) ``register``s a listener, and the lower apps never name it.

An event is announced only once its transaction commits (a rolled-back referral was never
sent), and carries what any organisation whose area holds its region may read: ids, statuses,
a category's code, the region's code and times. Never a name, a phone, an ID number or free
text: a listener forwards the payload as it is.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

REFERRAL_SENT = "referral.sent"
REFERRAL_ACCEPTED = "referral.accepted"
REFERRAL_DECLINED = "referral.declined"
REFERRAL_COMPLETED = "referral.completed"
HELP_REQUEST_STATUS_CHANGED = "help_request.status_changed"
WARNING_RAISED = "warning.raised"

# Every event's name and what it means to a person choosing the events to subscribe to.
KINDS = {
    REFERRAL_SENT: _("A referral was sent to a provider"),
    REFERRAL_ACCEPTED: _("A provider accepted a referral"),
    REFERRAL_DECLINED: _("A provider declined a referral"),
    REFERRAL_COMPLETED: _("A provider completed a referral's service"),
    HELP_REQUEST_STATUS_CHANGED: _("A public help request changed status"),
    WARNING_RAISED: _("A warning (预警) was raised"),
}

# Payload values an event may carry: nothing that could hold free text of any length.
_SCALARS = (int, float, bool, type(None))
_MAX_TEXT = 64


class Place(Protocol):
    """A region as events need it (``bangfu.regions.models.Region``, which core cannot name)."""

    code: str
    path: str


@dataclass(frozen=True)
class Event:
    name: str
    region_code: str
    # The region's materialised path: whose area holds it is a prefix test.
    region_path: str
    payload: dict
    occurred_at: dt.datetime = field(default_factory=timezone.now)


Listener = Callable[[Event], None]
LISTENERS: list[Listener] = []


def register(listener: Listener) -> None:
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def emit(name: str, *, region: Place, payload: dict) -> None:
    """Announce ``name`` in ``region`` to every listener once the current transaction commits.

    A listener that fails is logged, not raised: the change it reports is committed, and the
    person who made it should not see an error for another system's sake."""
    if name not in KINDS:
        raise ValueError(f"Unknown event {name!r}: add it to bangfu.core.events.KINDS.")
    for key, value in payload.items():
        short_text = isinstance(value, str) and len(value) <= _MAX_TEXT
        if not (short_text or isinstance(value, _SCALARS)):
            raise ValueError(f"Event {name}: {key} is not an id, a code, a status or a time.")
    event = Event(name, region.code, region.path, dict(payload))
    transaction.on_commit(partial(_dispatch, event))


def _dispatch(event: Event) -> None:
    for listener in LISTENERS:
        try:
            listener(event)
        except Exception:
            logger.exception("Listener %r failed on event %s", listener, event.name)
