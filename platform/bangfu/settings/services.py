"""The services Bangfu talks to besides its database and broker: the cache, mail and SMS."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from bangfu.core.env import env_int, env_str
from bangfu.settings.base import PRODUCTION, VAR_DIR
from bangfu.settings.tasks import CELERY_BROKER_URL

# Rate limits (help form, charity registration) must hold across gunicorn workers: production
# shares one Redis cache; the embedded mode has one process and keeps them in memory.
CACHE_URL = env_str("CACHE_URL", CELERY_BROKER_URL) if PRODUCTION else env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Public pages, notices and the service directory are served from that cache
# (bangfu.core.public_cache) and made stale by every change of what they show; this is the
# longest an answer is kept, and so the longest a change made past the models' signals (a bulk
# update) stays unseen.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 600)
# Sessions live in that shared cache, so any web node serves any request. Not written through
# to the database: the idle timeout saves the session on every request, which would make each
# page view a database write. Redis keeps them on disk (appendonly); if it is lost, staff log
# in again. The embedded mode keeps database sessions.
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "bangfu@localhost")

# Short messages to people without an account (a help request's requester), bangfu.core.sms: the
# HTTP gateway backend once SMS_GATEWAY_URL is set (JSON POST, SMS_GATEWAY_KEY as a bearer token),
# else the console; bangfu.core.sms.FileBackend writes them to SMS_FILE_PATH for development.
# Production has no console default: a message "sent" to a console tells the desk the requester
# was told when nobody was, so it needs the gateway or a backend chosen on purpose.
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
if SMS_GATEWAY_URL:
    SMS_BACKEND = env_str("SMS_BACKEND", "bangfu.core.sms.HttpGatewayBackend")
elif PRODUCTION:
    SMS_BACKEND = env_str("SMS_BACKEND", "")
    if not SMS_BACKEND:
        raise ImproperlyConfigured("Set SMS_GATEWAY_URL (or SMS_BACKEND) to send SMS.")
else:
    SMS_BACKEND = env_str("SMS_BACKEND", "bangfu.core.sms.ConsoleBackend")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl")))
