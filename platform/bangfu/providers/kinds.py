"""What is special about each kind of provider, registered by the app that owns the kind.

The referrals app routes to any ``Provider`` and never imports the app behind a kind: it asks the
kind registered here. Stations and volunteers are registered by this app; procured projects by
the procurement app in its ``AppConfig.ready``. Likewise the referrals app registers how many
households are in a provider's care, so that an app beside it (procurement's quota page) can
count them without importing it.

A kind that ``holds_slots`` serves at most ``capacity`` open cases at once, each holding one of
the provider's capacity slots. A kind that does not (a procured project) serves a quota of
households over its contract: a household counts once it is in the provider's care or once the
kind's own records say it was served (``served_households``), and a household with two needs
takes one place.

The referrals app sends and accepts with the ``Provider`` row locked (``select_for_update``):
whatever stops a provider taking new cases (a pause, a suspension, a project's closing) takes the
same lock, so that no send slips past it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from bangfu.accounts.scoping import Scope
from bangfu.core.errors import Refused
from bangfu.providers.models import Provider


class ProviderUnavailable(Refused):
    """The provider cannot take this need; ``str(error)`` is the message to show."""


@dataclass(frozen=True)
class ProviderKind:
    """The hooks of one kind. ``profile`` takes the ``Provider`` row and returns the kind's own
    row, which the other hooks take (those named for pks take ``Provider`` or record pks); none
    writes anything but ``record_service``."""

    code: str
    holds_slots: bool
    # The kind's own row of a provider (Station, Volunteer, Project).
    profile: Callable[[Provider], object]
    # Open cases at once (slot kinds) or households of the quota (quota kinds).
    capacity: Callable[[object], int]
    # Whether the kind's own rules let it take a new case on that day (a project under way);
    # the provider's active and paused flags are checked by the caller.
    is_accepting: Callable[[object, dt.date], bool] = lambda profile, on: True
    # Raise ProviderUnavailable when the need lies outside what the provider serves.
    check_serves: Callable[[object, object], None] = lambda profile, need: None
    # Provider pk -> households the kind's own records say it served (a project's deliveries).
    served_households: Callable[[list[int]], dict[int, set[int]]] = lambda pks: {}
    # Record what a session of service delivered (a project's delivery, counted against its
    # line); returns the record's pk, or None when there is nothing to count. ``case`` is the
    # referral's pk: the kind finds the records of the same case by it. A refusal is a
    # ValidationError naming the session's own fields (held_on, category, minutes).
    record_service: Callable[..., int | None] | None = None
    # The service categories a session may be logged under, as ServiceCategory pks; None: any.
    session_categories: Callable[[object], Iterable[int] | None] = lambda profile: None
    # Record pk -> what the record counted, in words (for the session log of a case).
    describe_records: Callable[[list[int]], dict[int, str]] = lambda pks: {}
    # A filter on Provider rows: those of this kind the scope's user acts for (their station,
    # their agency's projects, themselves as a volunteer); a false value: none.
    acted_for: Callable[[Scope], Q | None] = lambda scope: None
    # A filter on users: who answers for the provider of this pk.
    answered_by: Callable[[int], Q] = lambda pk: Q(pk__in=[])


_KINDS: dict[str, ProviderKind] = {}
_households_in_care: list[Callable[..., dict[int, set[int]]]] = []


def acted_for(scope: Scope) -> Q:
    """A filter on Provider rows: every provider the scope's user acts for, of any kind."""
    query = Q(pk__in=[])
    for kind in _KINDS.values():
        mine = kind.acted_for(scope)
        if mine:
            query |= Q(kind=kind.code) & mine
    return query


def answered_by(provider_pk: int) -> Q:
    """A filter on users: who answers for the provider (the people ``acted_for`` names), asked
    of every kind: each names the provider through its own row, so only its kind's matches."""
    query = Q(pk__in=[])
    for kind in _KINDS.values():
        query |= kind.answered_by(provider_pk)
    return query


def register(kind: ProviderKind) -> None:
    """Called once per kind from its app's ``AppConfig.ready``."""
    _KINDS[kind.code] = kind


def kind_of(provider: Provider | str) -> ProviderKind:
    code = provider if isinstance(provider, str) else provider.kind
    try:
        return _KINDS[code]
    except KeyError:
        raise ImproperlyConfigured(f"No app registered the provider kind {code!r}.") from None


def registered_kinds() -> dict[str, ProviderKind]:
    return dict(_KINDS)


def register_households_in_care(counter: Callable[..., dict[int, set[int]]]) -> None:
    """The referrals app registers ``counter(provider_pks, pending=False)``: provider pk ->
    households with a case accepted (or, with ``pending``, also sent) to the provider."""
    _households_in_care[:] = [counter]


def quota_households(provider_pks: Iterable[int], *, pending: bool = False) -> dict[int, set[int]]:
    """Provider pk -> households counted against its quota: in its care, or served according to
    its kind's own records. Two queries per kind at most."""
    pks = list(provider_pks)
    found: dict[int, set[int]] = {pk: set() for pk in pks}
    if not pks:
        return found
    if _households_in_care:
        for pk, households in _households_in_care[0](pks, pending=pending).items():
            found[pk] |= households
    by_kind: dict[str, list[int]] = {}
    for pk, code in Provider.objects.filter(pk__in=pks).values_list("pk", "kind"):
        by_kind.setdefault(code, []).append(pk)
    for code, kind_pks in by_kind.items():
        for pk, households in kind_of(code).served_households(kind_pks).items():
            found[pk] |= households
    return found
