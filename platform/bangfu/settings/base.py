"""The mode, the apps, the database, languages, files, logging and the public site."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bangfu.core.client_address import parse_networks
from bangfu.core.env import env_bool, env_int, env_list, env_str

# platform/bangfu/settings/base.py: the checkout is three folders up.
BASE_DIR = Path(__file__).resolve().parents[3]
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
    # Outermost after security: the audit entries a request writes are sealed after its response.
    "bangfu.core.audit_chain.sealed_after_response",
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
    # Last: anonymous visitors' public pages from the cache, once user and language are known.
    "bangfu.core.public_cache.PublicCacheMiddleware",
]

ROOT_URLCONF = "bangfu.urls"
WSGI_APPLICATION = "bangfu.wsgi.application"

# Django's own widgets through Jinja2, the project's through the template language.
FORM_RENDERER = "bangfu.core.form_renderer.FormRenderer"

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
    # The rows a list repeats (``core.jinja``): each app's ``jinja2/`` folder.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "bangfu.core.jinja.environment"},
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
# Behind pgbouncer in transaction mode a server-side cursor (QuerySet.iterator) would outlive
# its transaction's connection: set DATABASE_DISABLE_SERVER_SIDE_CURSORS there.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
)
# A read replica of the database (optional): the reads a view marks with
# bangfu.core.db_router.use_replica() (dashboards, exports) go there, all else to the primary.
if DATABASE_REPLICA_URL := env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"][
        "DISABLE_SERVER_SIDE_CURSORS"
    ]
    # Tests read the replica's alias from the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# A statement run this many times on a connection is prepared: PostgreSQL plans it once, not
# on every run (planning was half the database time of a household's page). Areas are
# literals in the SQL (bangfu.regions.models.PathBelow), so each area has plans of its own.
# Parameters are sent apart from the statement, as preparing needs. 0 turns it off: behind
# pgbouncer in transaction mode before 1.21 (or without max_prepared_statements), where a
# prepared statement would not follow the connection.
_PREPARE_AFTER = env_int("DATABASE_PREPARE_THRESHOLD", 5)
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql" and _PREPARE_AFTER:
        _database.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=_PREPARE_AFTER
        )
DATABASE_ROUTERS = ["bangfu.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Staff lists count their rows exactly up to this many and show "1,000+" above it
# (bangfu.core.keyset): counting a province's million households on every page costs seconds,
# and even 10,000 rows cost a county's list 10 ms a page. The totals by status and place are
# the dashboard's, from the region tallies.
LIST_EXACT_COUNT_LIMIT = env_int("LIST_EXACT_COUNT_LIMIT", 1_000)

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
# Uploaded files on S3-compatible object storage, so that any web node serves any file
# (bangfu.core.object_storage; production only, once AWS_STORAGE_BUCKET_NAME is set): public
# files under "media/" of that bucket, which the proxy serves at MEDIA_URL; files with personal
# data under "private/" of AWS_PRIVATE_BUCKET_NAME (default: the same bucket), reached through
# the application's views alone. boto3 reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from
# the environment; AWS_S3_SERVER_SIDE_ENCRYPTION ("AES256", or "aws:kms" with
# AWS_S3_SSE_KMS_KEY_ID) has every object encrypted at rest.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "") if PRODUCTION else ""
if AWS_STORAGE_BUCKET_NAME:
    _encryption = env_str("AWS_S3_SERVER_SIDE_ENCRYPTION", "")
    if _encryption not in {"", "AES256", "aws:kms"}:
        raise ImproperlyConfigured(
            f"AWS_S3_SERVER_SIDE_ENCRYPTION={_encryption!r}: use 'AES256' or 'aws:kms'."
        )
    _kms_key = env_str("AWS_S3_SSE_KMS_KEY_ID", "")
    _object_storage = {
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
        # Two uploads of one name keep two objects, as on disk.
        "file_overwrite": False,
        "object_parameters": {
            **({"ServerSideEncryption": _encryption} if _encryption else {}),
            **({"SSEKMSKeyId": _kms_key} if _kms_key else {}),
        },
    }
    STORAGES["default"] = {
        "BACKEND": "bangfu.core.object_storage.MediaObjectStorage",
        "OPTIONS": {**_object_storage, "bucket_name": AWS_STORAGE_BUCKET_NAME, "location": "media"},
    }
    STORAGES["private"] = {
        "BACKEND": "bangfu.core.object_storage.PrivateObjectStorage",
        "OPTIONS": {
            **_object_storage,
            "bucket_name": env_str("AWS_PRIVATE_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME),
            "location": "private",
        },
    }
# The public site's documents go through Wagtail's view (which checks a collection's privacy)
# wherever they are stored, never by a redirect to the storage.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

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
