"""One settings module, driven by the environment.

BANGFU_MODE=embedded (the default) runs on SQLite with Celery tasks executed in-process, so a
newcomer needs nothing installed. BANGFU_MODE=production refuses to start without a secret key,
a database URL, a broker and encryption keys, and turns on the HTTPS hardening that
``manage.py check --deploy`` asks for.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bangfu.core.client_address import parse_networks
from bangfu.core.crypto import check_settings as crypto_check_settings
from bangfu.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("BANGFU_VAR_DIR", str(BASE_DIR / "var")))

MODE = env_str("BANGFU_MODE", "embedded")
if MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"BANGFU_MODE={MODE!r}: use 'embedded' or 'production'.")
PRODUCTION = MODE == "production"

_EMBEDDED_ONLY = "embedded-mode-only-not-a-secret"
SECRET_KEY = env_str("SECRET_KEY") if PRODUCTION else env_str("SECRET_KEY", _EMBEDDED_ONLY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies in front of the application (addresses or CIDR blocks, comma-separated).
# Only a request from one of them has its X-Forwarded-For read, from the right, to find the
# client's address that rate limits, lockouts and audit entries are keyed on
# (bangfu.core.client_address). Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = parse_networks("TRUSTED_PROXIES", env_list("TRUSTED_PROXIES", []))

# Personal data at rest (bangfu.core.crypto): the field cipher, "fernet" or "sm4-gcm"; its keys,
# newest first, older ones still decrypt (Fernet keys; SM4 keys as keyid:base64-of-16-bytes);
# the keyed lookup hash, "hmac-sha256" or "hmac-sm3", and its HMAC key. After changing the
# cipher or the hash algorithm, `manage.py rotate_keys` rewrites what is stored.
FIELD_CIPHER = env_str("FIELD_CIPHER", "fernet")
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS",
    [] if PRODUCTION else ["I2ncJ5sHXit4_3kPbd0y6Q0qpiOMuMyz_2Y-oRUZnlE="],
)
SM4_KEYS = env_list("SM4_KEYS", [])
LOOKUP_HASH_ALGORITHM = env_str("LOOKUP_HASH_ALGORITHM", "hmac-sha256")
LOOKUP_HASH_KEY = env_str("LOOKUP_HASH_KEY") if PRODUCTION else env_str("LOOKUP_HASH_KEY", "dev")
crypto_check_settings(
    cipher=FIELD_CIPHER,
    fernet_keys=FIELD_ENCRYPTION_KEYS,
    sm4_keys=SM4_KEYS,
    hashing=LOOKUP_HASH_ALGORITHM,
)

INSTALLED_APPS = [
    "bangfu.core",
    "bangfu.regions",
    "bangfu.accounts",
    "bangfu.registry",
    "bangfu.providers",
    "bangfu.procurement",
    "bangfu.referrals",
    "bangfu.matching_runs",
    "bangfu.offers",
    "cms",
    "bangfu.discovery",
    "bangfu.auditing",
    "bangfu.privacy",
    "bangfu.api",
    "bangfu.demo",
    # The admin site that also opens to the three administrators (bangfu.accounts.duties).
    "bangfu.accounts.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "bangfu.core.third_party_apps.AxesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "csp",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bangfu.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bangfu.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bangfu.core.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "bangfu.accounts.middleware.SecondFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "bangfu.urls"
WSGI_APPLICATION = "bangfu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bangfu.core.navigation.navigation",
            ],
        },
    },
]

if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'bangfu.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") if PRODUCTION else env_str("DATABASE_URL", _default_db),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The admin rights of the system, security and audit administrators, from their roles.
    "bangfu.accounts.duties.DutiesBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "bangfu.accounts.passwords.ComplexityValidator"},
    {"NAME": "bangfu.accounts.passwords.HistoryValidator"},
]
# Password policy (等保三级, bangfu.accounts.passwords): the privileged (those who must have a
# second factor) change their password every PASSWORD_MAX_AGE_DAYS_PRIVILEGED days, others every
# PASSWORD_MAX_AGE_DAYS (0: never); the last PASSWORD_HISTORY_COUNT passwords are refused.
PASSWORD_MAX_AGE_DAYS_PRIVILEGED = env_int("PASSWORD_MAX_AGE_DAYS_PRIVILEGED", 90)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
# Second factors (bangfu.accounts.two_factor): anyone with a confirmed device is asked for a code
# after the password; with TWO_FACTOR_ENFORCED, those who must have one (administrators, roles
# that reveal ID numbers or approve money, everyone with TWO_FACTOR_FOR_EVERYONE) enrol at
# their first log-in. The embedded demo keeps one-factor log-ins.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", default=PRODUCTION)
TWO_FACTOR_FOR_EVERYONE = env_bool("TWO_FACTOR_FOR_EVERYONE", default=False)
OTP_TOTP_ISSUER = "帮扶 Bangfu"
# Nobody reads another's secret: django-otp's admin hides keys, QR codes and recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle sessions end after 30 minutes: the expiry is pushed forward on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "bangfu.core.client_address.client_address"
# Every failed log-in is kept (not only the running count per account), for the audit
# administrator's security events.
AXES_ENABLE_ACCESS_FAILURE_LOG = True

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Audit entries are append-only and hash-chained (bangfu.core.audit_chain); `manage.py
# audit_prune` removes those older than this. The Cybersecurity Law asks for six months at least.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 3 * 365)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS={AUDIT_RETENTION_DAYS}: at least 180 days.")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Files that hold personal data (job uploads, unmasked exports): never under MEDIA_URL.
PRIVATE_ROOT = Path(env_str("BANGFU_PRIVATE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "bangfu.core.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Embedded mode serves static files straight from the source tree (no collectstatic).
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not PRODUCTION

# Celery: without a broker, tasks run in-process (embedded mode). Tasks are acknowledged
# after they finish and re-queued if a worker dies, so every task must be safe to run twice.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") if PRODUCTION else env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits of the tasks, by class, in seconds: at the soft limit the task records its failure,
# at the hard one the worker kills it. Every task names its class in its decorator; a new kind
# of work gets a class here, not a number in a decorator.
TASK_TIME_LIMITS = {
    # one referral, notification or public page
    "short": {"soft_time_limit": 2 * 60, "time_limit": 3 * 60},
    # one file of at most import_max_rows rows, imported or exported (200,000: about a minute)
    "import": {"soft_time_limit": 10 * 60, "time_limit": 11 * 60},
    # a nightly pass over every county (rules, schedules, priorities, ratings)
    "sweep": {"soft_time_limit": 15 * 60, "time_limit": 16 * 60},
    # a county's matching run, or a province compared with one global flow (bench: ~3 min)
    "matching": {"soft_time_limit": 15 * 60, "time_limit": 16 * 60},
}
# Redis gives a task that was delivered but never acknowledged (its worker died) to another
# worker after the visibility timeout. Shorter than the longest task, a task still running
# would be delivered twice; much longer (Redis's default is an hour), work stalls that long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(limits["time_limit"] for limits in TASK_TIME_LIMITS.values()) + 2 * 60
}
# A matching run's attempt renews its lease on the run row this often (seconds) while it
# works; an attempt silent for three times as long is taken for dead and a redelivery restarts
# the run.
MATCHING_RUN_HEARTBEAT_SECONDS = 20
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "refresh-need-priorities": {
        "task": "bangfu.registry.tasks.refresh_need_priorities_task",
        "schedule": 6 * 60 * 60,
    },
    "check-referral-deadlines": {
        "task": "bangfu.referrals.tasks.check_referral_deadlines_task",
        "schedule": 15 * 60,
    },
    # A help request's requester hears of a referral sent or taken on (SMS, bangfu.core.sms).
    "tell-help-requests": {
        "task": "bangfu.referrals.tasks.tell_help_requests_task",
        "schedule": 5 * 60,
    },
    "refresh-provider-quality": {
        "task": "bangfu.referrals.tasks.refresh_provider_quality_task",
        "schedule": 24 * 60 * 60,
    },
    "scan-discovery-warnings": {
        "task": "bangfu.discovery.tasks.flags_scan_task",
        "schedule": 24 * 60 * 60,
    },
    "schedule-reviews-and-visits": {
        "task": "bangfu.discovery.tasks.tasks_schedule_task",
        "schedule": 24 * 60 * 60,
    },
    # Work killed at its hard time limit (or whose message was lost) is never delivered again:
    # these fail it, so that its page stops showing it as running and offers to start again.
    "fail-stalled-background-jobs": {
        "task": "bangfu.core.tasks.fail_stalled_jobs_task",
        "schedule": 5 * 60,
    },
    "fail-stalled-matching-runs": {
        "task": "bangfu.matching_runs.tasks.fail_stalled_runs_task",
        "schedule": 5 * 60,
    },
    # Audit entries whose own transaction did not seal them (bangfu.core.audit_chain).
    "seal-audit-entries": {
        "task": "bangfu.core.tasks.seal_audit_entries_task",
        "schedule": 5 * 60,
    },
    # Webhook deliveries whose retry is overdue: lost by the broker, or never queued in the
    # embedded mode, where tasks run in-process and cannot wait (bangfu.api.webhooks).
    "retry-webhook-deliveries": {
        "task": "bangfu.api.webhooks.tasks.retry_webhook_deliveries_task",
        "schedule": 5 * 60,
    },
    # The retention schedule (bangfu.privacy): personal data past its rule's period anonymised.
    "apply-retention-schedule": {
        "task": "bangfu.privacy.tasks.retention_run_task",
        "schedule": 24 * 60 * 60,
    },
}
# The embedded mode has no beat: ``manage.py runserver`` (``make demo``) runs the tasks above at
# their intervals in its own process (bangfu/core/scheduler.py). Never in production, where
# Celery beat does; BANGFU_SCHEDULER=0 turns it off in the embedded mode.
EMBEDDED_SCHEDULER = (
    not PRODUCTION and CELERY_TASK_ALWAYS_EAGER and env_bool("BANGFU_SCHEDULER", default=True)
)

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

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "bangfu@localhost")

# Webhooks (bangfu.api.webhooks) post to https URLs only in production, and never to a private,
# loopback or link-local address there (a subscriber URL must not reach the internal network).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", not PRODUCTION)

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

# Content-Security-Policy (django-csp): scripts, styles, images and form targets from our own
# origin only. Our templates have no inline script, style or event handler (htmx is a static
# file), so no nonce is needed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Wagtail's editor (/cms-admin/) runs inline scripts and styles without nonces, previews images
# from data: and blob: URLs and shows a page's preview in a frame of its own: there, for the
# public site's editors behind their log-in, the policy allows that. Django's admin needs none of
# it and keeps the strict policy (both checked in headless Chromium with the demo data).
CMS_ADMIN_CSP_PREFIXES = ("/cms-admin/",)
CMS_ADMIN_CSP_DIRECTIVES = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "frame-ancestors": [SELF],
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# No log line carries an ID or mobile number in clear, nor a URL's query string (where a search
# would be). Gunicorn's access log is set in gunicorn.conf.py; runserver's request lines
# (django.server) get their own handler, as in Django's defaults, with the same filters.
_LOG_FILTERS = ["no_query_strings", "mask_personal_data"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "bangfu.core.masking.MaskPersonalDataFilter"},
        "no_query_strings": {"()": "bangfu.core.masking.StripQueryStringFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": _LOG_FILTERS},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": _LOG_FILTERS,
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

SITE_NAME = _("Bangfu social assistance")

# The public site (Wagtail, app "cms"): editors work at /cms-admin/; search runs on the
# database (SQLite FTS5 or PostgreSQL full text), so nothing else needs installing.
WAGTAIL_SITE_NAME = "帮扶 Bangfu"
WAGTAILADMIN_BASE_URL = env_str(
    "WAGTAILADMIN_BASE_URL",
    f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION and ALLOWED_HOSTS else "http://127.0.0.1:8000",
)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Nothing in the editors' browsers talks to third parties (the CSP would refuse it anyway):
# no avatars from Gravatar (it would learn staff e-mail hashes), no release check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

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
