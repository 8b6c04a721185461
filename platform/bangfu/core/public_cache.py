"""Public pages from Django's cache (Redis in production, local memory in the embedded mode).

What the public sees changes a few times a day and is read all day: the site's pages, the
notices of projects and offers, the service directory. Apps name the views whose anonymous GET
answers may be kept (``cache_views``, by URL name) and the models whose rows those answers show
(``watch``); ``PublicCacheMiddleware`` serves the views from the cache.

Invalidation is one number, the generation (``GENERATION_KEY``), read with every entry: a save
or delete of a watched row bumps it when its transaction commits, and every entry of an older
generation is stale from then on. Nothing is ever deleted or cleared (the cache also holds rate
limits); stale entries expire after ``PUBLIC_CACHE_SECONDS``, which is also the most a change
outside the watched models (a bulk update) can stay unseen. Bumping after the commit matters: a
bump inside the transaction would let a request render the old rows under the new number.

Only answers that are the same for every anonymous visitor are kept: GET or HEAD by a visitor
who is not logged in and has no message waiting, status 200, no cookie set, no form token
rendered (a CSRF token belongs to one browser), no ``Cache-Control`` of private, no-cache or
no-store (Wagtail's restricted pages). The key holds the scheme, host, path and query, the
active language, today's date (offers are "current" by date) and the values of the request
headers the answer varies on.
"""

import hashlib
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import cc_delim_re

GENERATION_KEY = "public-pages:generation"
ENTRY_PREFIX = "public-pages:entry:"
METHODS = ("GET", "HEAD")
# Cache-Control directives of an answer meant for one visitor, or for nobody to keep.
UNCACHEABLE = {"private", "no-cache", "no-store"}
# Query strings longer than this are served but not kept: they are not links of the site.
MAX_QUERY = 200

# The URL names (namespaced, as ``request.resolver_match.view_name`` gives them) of the
# views served from the cache, registered by the apps that own them.
_views: set[str] = set()


def cache_views(names: Iterable[str]) -> None:
    """Serve these views' anonymous GET answers from the cache."""
    _views.update(names)


def watch(*models) -> None:
    """What the public sees depends on these models' rows: each save or delete (and each change
    of their many-to-many fields) makes every cached answer stale once it is committed."""
    for model in models:
        label = model._meta.label
        post_save.connect(changed, sender=model, dispatch_uid=f"public-cache:save:{label}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"public-cache:delete:{label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                changed,
                sender=field.remote_field.through,
                dispatch_uid=f"public-cache:m2m:{label}.{field.name}",
            )


def changed(*, using=None, action: str | None = None, **kwargs) -> None:
    """A signal receiver (``watch`` connects it; apps may connect it to their own signals):
    bump the generation when the current transaction commits (``m2m_changed`` sends an
    ``action``: only its "post_" ones are changes)."""
    if action is None or action.startswith("post_"):
        transaction.on_commit(bump, using=using, robust=True)


def _fresh() -> int:
    # A generation unlike any earlier one, should the key have been evicted or the cache
    # flushed: entries of an old count must not become valid again.
    return time.time_ns()


def bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or evicted)
        cache.set(GENERATION_KEY, _fresh(), timeout=None)


@receiver(setting_changed)
def _setting_changed(**kwargs) -> None:
    # A deployment changes its settings with a restart; a test changes them in the middle of a
    # run, and any answer may depend on them (the directory's ids on DIRECTORY_ID).
    bump()


def _generation(found) -> int:
    if found is None:
        cache.add(GENERATION_KEY, _fresh(), timeout=None)
        found = cache.get(GENERATION_KEY)
    return int(found)


# --- the middleware ----------------------------------------------------------------------------


def _anonymous(request) -> bool:
    """Not logged in, nothing waiting in the messages: the page is the one everybody gets.
    A visitor without a session cookie costs no query."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
        return False
    return not len(get_messages(request))


def _key(request) -> str | None:
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY:
        return None
    parts = [
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language(),
        timezone.localdate().isoformat(),
    ]
    return ENTRY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _varies(response) -> list[str] | None:
    """The request headers the answer varies on (Cookie aside: only anonymous visitors without
    messages share answers, and the language is in the key); None for ``Vary: *``."""
    names = [name for name in cc_delim_re.split(response.get("Vary", "")) if name]
    if "*" in names:
        return None
    return sorted(name.lower() for name in names if name.lower() != "cookie")


def _header_values(request, names: list[str]) -> list[str | None]:
    return [request.headers.get(name) for name in names]


def _storable(request, response) -> bool:
    cache_control = {
        directive.split("=")[0].strip().lower()
        for directive in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.session.modified  # its cookie is set on the way out
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a form token was rendered
        and not cache_control & UNCACHEABLE
        and _varies(response) is not None
        and _anonymous(request)
    )


class PublicCacheMiddleware:
    """Serves the views of ``cache_views`` from the cache, last in the middleware so that
    the user, the language and the messages are known; the middleware above it runs on every
    request, hit or not, and adds its headers to a kept answer as to a fresh one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        pending = getattr(request, "_public_cache", None)
        if pending is not None and _storable(request, response):
            key, generation = pending
            varies = _varies(response)
            entry = {
                "generation": generation,
                "varies": varies,
                "values": _header_values(request, varies),
                "status": response.status_code,
                "headers": list(response.items()),
                "content": response.content,
            }
            cache.set(key, entry, settings.PUBLIC_CACHE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method not in METHODS
            or request.resolver_match.view_name not in _views
            or not _anonymous(request)
        ):
            return None
        key = _key(request)
        if key is None:
            return None
        found = cache.get_many([GENERATION_KEY, key])
        generation = _generation(found.get(GENERATION_KEY))
        entry = found.get(key)
        if (
            entry is not None
            and entry["generation"] == generation
            and entry["values"] == _header_values(request, entry["varies"])
        ):
            response = HttpResponse(entry["content"], status=entry["status"])
            for name, value in entry["headers"]:
                response[name] = value
            return response
        # Kept under the generation read before the page is built: a change committed while
        # it is built leaves the entry stale at once.
        request._public_cache = (key, generation)
        return None
