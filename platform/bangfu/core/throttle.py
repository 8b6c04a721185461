"""Rate limits on the public forms, in Django's cache: no third-party service, no table.

Keys are keyed hashes of the address or phone number, so the cache holds neither in clear.
Addresses come from ``bangfu.core.client_address``, which sees through the trusted proxies.
"""

from django.core.cache import cache

from bangfu.core import crypto
from bangfu.core.client_address import client_address


def allow(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt of ``key`` in ``scope``; False once more than ``limit`` fall within
    ``window`` seconds of the first."""
    cache_key = f"bangfu:throttle:{scope}:{crypto.lookup_hash(key)[:40]}"
    if cache.add(cache_key, 1, window):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window)
        return True
    return count <= limit


def allow_address(scope: str, request, *, limit: int, window: int) -> bool:
    """``allow`` keyed on the client's address (requests without one share a bucket)."""
    return allow(scope, client_address(request) or "unknown", limit=limit, window=window)
