"""Telling users that something happened for them, from apps that may not name the app that keeps
their notifications.

An app calls ``send(recipients=…, message=…, url=…, kind=…)``; the app that keeps users'
notifications (referrals: its in-app list and e-mails) registers its sender in
``AppConfig.ready``. ``kind`` is a string both sides know (``"filing_sent"``): the receiving app
lists the kinds it accepts. The message goes out as written, so it names no person, and is
written in the platform's default language.

With no sender registered nothing is sent, and the caller's work goes ahead: a notice reports a
change, it is never a condition of it.
"""

from collections.abc import Callable, Iterable

Sender = Callable[..., object]

_senders: list[Sender] = []


def register(sender: Sender) -> None:
    """``sender(recipients=…, kind=…, message=…, url=…)`` delivers the notices from now on."""
    _senders[:] = [sender]


def send(*, recipients: Iterable, message: str, url: str = "", kind: str) -> None:
    """One notice to each of ``recipients`` (users), through the registered sender if any."""
    if _senders:
        _senders[0](recipients=recipients, kind=kind, message=message, url=url)
