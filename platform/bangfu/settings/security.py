"""The field cipher, log-ins, passwords, second factors, sessions, lockouts, the audit log and
the Content-Security-Policy."""

from datetime import timedelta

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from bangfu.core.crypto import check_settings as crypto_check_settings
from bangfu.core.env import env_bool, env_int, env_list, env_str
from bangfu.settings.base import PRODUCTION

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
