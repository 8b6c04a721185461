"""The HTTP API (bangfu.api): REST framework, tokens, throttles, webhooks and the directory."""

from bangfu.core.env import env_bool, env_int, env_str
from bangfu.settings.base import ALLOWED_HOSTS, PRODUCTION

# Webhooks (bangfu.api.webhooks) post to https URLs only in production, and never to a private,
# loopback or link-local address there (a subscriber URL must not reach the internal network).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", not PRODUCTION)

# The HTTP API (bangfu.api, Django REST framework): version 1 under /api/v1/, its OpenAPI 3
# schema at /api/schema/ and documentation pages from the sidecar's static files (no CDN).
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bearer tokens only (bangfu.api.tokens): no session, so no CSRF; the pages keep log-in.
    "DEFAULT_AUTHENTICATION_CLASSES": ["bangfu.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["bangfu.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["bangfu.api.throttling.PerTokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": "bangfu.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "bangfu.api.errors.exception_handler",
    # No OPTIONS answers describing forms: the schema at /api/schema/ describes every operation.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens: expiry by default and at most (days); requests a minute per token, and per
# client address on the public endpoints (bangfu.api.throttling).
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "600/minute")
API_RATE_PER_ADDRESS = env_str("API_RATE_PER_ADDRESS", "120/minute")
# The public directory's identity (bangfu.api.hsds): its rows' UUIDs derive from it, so each
# deployment has its own (by default its first host name) and keeps it for good.
DIRECTORY_ID = env_str(
    "DIRECTORY_ID", ALLOWED_HOSTS[0] if PRODUCTION and ALLOWED_HOSTS else "embedded"
)
SPECTACULAR_SETTINGS = {
    "TITLE": "帮扶 Bangfu API",
    "DESCRIPTION": "社会救助服务对接平台接口 — the service-matching platform's API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "PREPROCESSING_HOOKS": ["bangfu.api.schema.version_one_only"],
}
