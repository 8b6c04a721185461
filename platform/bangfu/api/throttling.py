"""Rate limits of the API, in the project's cache (Redis in production): per token for the
API proper (``API_RATE_PER_TOKEN``), per client address for the public endpoints
(``API_RATE_PER_ADDRESS``), the address found behind the trusted proxies as everywhere else.

The rates are read at each request, not when the class is defined, so a deployment's setting
(and a test's) applies. Address keys are keyed hashes: the cache holds no address in clear.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from bangfu.api.models import ApiToken
from bangfu.core import crypto
from bangfu.core.client_address import client_address


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        return settings.API_RATE_PER_TOKEN

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PerAddressThrottle(SimpleRateThrottle):
    scope = "public"

    def get_rate(self) -> str:
        return settings.API_RATE_PER_ADDRESS

    def get_cache_key(self, request, view) -> str:
        address = client_address(request) or "unknown"
        return self.cache_format % {
            "scope": self.scope,
            "ident": crypto.lookup_hash(address)[:40],
        }
