from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import SimpleRateThrottle

# The URL names of the public notices' endpoints (bangfu.api.public).
PUBLIC_NOTICES = ("public-projects", "public-project", "public-offers", "public-offer")


class ApiConfig(AppConfig):
    name = "bangfu.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from bangfu.api import schema  # noqa: F401 (registers the bearer token's scheme)
        from bangfu.api.hsds.urls import urlpatterns as directory
        from bangfu.api.webhooks import registration  # noqa: F401 (events' listener, navigation)
        from bangfu.core import public_cache

        # The public notices and the service directory are served from the cache (the apps
        # whose rows they show watch them).
        public_cache.cache_views(
            [f"api:{name}" for name in PUBLIC_NOTICES]
            + [f"api:hsds:{pattern.name}" for pattern in directory]
        )

        # A rate the throttles cannot read would fail each request: fail at start-up instead.
        for name in ("API_RATE_PER_TOKEN", "API_RATE_PER_ADDRESS"):
            try:
                SimpleRateThrottle.parse_rate(None, getattr(settings, name))
            except (ValueError, KeyError, IndexError):
                raise ImproperlyConfigured(
                    f"{name}={getattr(settings, name)!r}: use a rate such as 600/minute."
                ) from None
