"""The one way the main navigation is built: each app registers its entries in its own
``navigation`` module (found by ``CoreConfig.ready``), each entry saying where it leads for a
user, or nowhere. An entry is shown only to users it leads somewhere for, so the navigation never
offers a page that would answer 403 (``tests/core/test_navigation.py`` opens every link of every
role)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import ResolverMatch


@dataclass(frozen=True)
class Entry:
    order: int  # left to right
    label: str  # lazily translated
    # Where the entry leads for this user, or "" when it is not for them.
    url: Callable[[object], str]
    # The URL namespaces (app names) under which the entry is the current section.
    sections: tuple[str, ...] = ()
    # Narrower than the sections: whether a resolved page belongs to this entry.
    owns: Callable[[ResolverMatch], bool] | None = None

    def is_current(self, match: ResolverMatch | None) -> bool:
        if match is None or match.app_name not in self.sections:
            return False
        return self.owns is None or self.owns(match)


ENTRIES: list[Entry] = []


def register(*entries: Entry) -> None:
    ENTRIES.extend(entries)
    ENTRIES.sort(key=lambda entry: entry.order)


def navigation(request) -> dict:
    """Context processor: ``navigation``, the entries for the signed-in user, each a dict of
    label, url and whether it is the current section."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    match = getattr(request, "resolver_match", None)
    items = []
    for entry in ENTRIES:
        url = entry.url(user)
        if url:
            items.append({"label": entry.label, "url": url, "current": entry.is_current(match)})
    return {"navigation": items}
