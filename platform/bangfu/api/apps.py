from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import SimpleRateThrottle


class ApiConfig(AppConfig):
    name = "bangfu.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from bangfu.api import schema  # noqa: F401 (registers the bearer token's scheme)
        from bangfu.api.webhooks import registration  # noqa: F401 (events' listener, navigation)

        # A rate the throttles cannot read would fail each request: fail at start-up instead.
        for name in ("API_RATE_PER_TOKEN", "API_RATE_PER_ADDRESS"):
            try:
                SimpleRateThrottle.parse_rate(None, getattr(settings, name))
            except (ValueError, KeyError, IndexError):
                raise ImproperlyConfigured(
                    f"{name}={getattr(settings, name)!r}: use a rate such as 600/minute."
                ) from None
