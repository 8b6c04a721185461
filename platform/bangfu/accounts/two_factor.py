"""Second factors (等保三级 8.1.4.1 d: two or more authentication techniques for administrators
and those who reach personal data), on django-otp.

A user proves the second factor with a code from an authenticator app (TOTP, ``otp_totp``), one
of ten recovery codes (``otp_static``, each used once), or a code sent by SMS (``SmsDevice``)
where an SMS backend is configured and the user has a phone. Who must have one:
``two_factor_required``; whether they are made to enrol: ``TWO_FACTOR_ENFORCED``. Anyone who
has a confirmed device is asked for a code after the password (bangfu.accounts.middleware).

Wrong codes count as failed log-ins for django-axes (five lock the account and end the
session), are throttled per device (django-otp's exponential back-off) and per user, and each is
an audit entry; so are enrolment, removal of a device and every recovery code used.
"""

import logging
from base64 import b32encode

import django_otp
import segno
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bangfu.accounts.models import Membership, SmsDevice
from bangfu.accounts.scoping import scope_for
from bangfu.core import sms, throttle

Role = Membership.Role
logger = logging.getLogger(__name__)

# Roles that approve money (a bureau manager approves projects and offers; a township reviewer
# confirms statuses that open benefits).
MONEY_ROLES = frozenset({Role.BUREAU_MANAGER, Role.TOWNSHIP_REVIEWER})
RECOVERY_CODE_COUNT = 10
# What the session says the user owes after the password (bangfu.accounts.middleware).
STATE_SESSION_KEY = "bangfu_second_factor"
ASK, ENROL, NONE = "ask", "enrol", ""
# Codes tried per user in a quarter of an hour, whatever the address (axes counts per address).
CODE_ATTEMPTS, CODE_WINDOW = 10, 15 * 60
# SMS codes sent per user in ten minutes; each is valid five minutes.
SMS_SENDS, SMS_WINDOW, SMS_VALID_SECONDS = 3, 10 * 60, 5 * 60


def is_privileged(user) -> bool:
    """Administrators (superusers, the three ADMIN_DUTIES), roles that may reveal ID numbers
    and roles that approve money: their password expires, and they must have a second factor."""
    from bangfu.accounts.duties import ADMIN_DUTIES, duties_of

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or duties_of(user) & ADMIN_DUTIES:
        return True
    scope = scope_for(user)
    return scope.can_reveal_identity or bool(scope.roles & MONEY_ROLES)


def two_factor_required(user) -> bool:
    """Whether the user must have a second factor: the privileged, or everyone when the policy
    (``TWO_FACTOR_FOR_EVERYONE``) says so."""
    if not getattr(user, "is_authenticated", False):
        return False
    return settings.TWO_FACTOR_FOR_EVERYONE or is_privileged(user)


def second_factor_state(user) -> str:
    """ASK: the user has a confirmed device and is asked for a code; ENROL: they have none but
    must (and enforcement is on); NONE: the password is enough."""
    if django_otp.user_has_device(user, confirmed=True):
        return ASK
    if settings.TWO_FACTOR_ENFORCED and two_factor_required(user):
        return ENROL
    return NONE


def sms_available(user) -> bool:
    return bool(settings.SMS_BACKEND and user.phone)


def audit(user, event: str, **data) -> None:
    """An audit entry on the user's account (the address comes from auditlog's middleware)."""
    LogEntry.objects.log_create(
        user,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=user,
        additional_data={"two_factor": event, **data},
    )


def device_label(device) -> str:
    if isinstance(device, TOTPDevice):
        return _("Authenticator app")
    if isinstance(device, StaticDevice):
        return _("Recovery codes")
    return _("SMS code")


# ---------- enrolment ----------


def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed authenticator of the enrolment under way (the same secret until it is
    confirmed, so that reloading the page does not invalidate what was scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(
        user=user, name=str(_("Authenticator app")), confirmed=False
    )


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The authenticator's configuration (otpauth:// URL) as an inline SVG QR code."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, light="#fff", title=_("QR code for your authenticator app")
    )


@transaction.atomic
def totp_enrolment_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows: the device is confirmed, any older one
    removed, the session verified, and ten new recovery codes returned (shown once). None when
    the code is wrong (counted like any wrong code)."""
    user = request.user
    if not _attempt_allowed(request) or not device.verify_token(_normalised(code)):
        _refused(request, device_kind="totp", enrolment=True)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_create(user=user)
    django_otp.login(request, device)
    request.session[STATE_SESSION_KEY] = ASK
    audit(user, "enrolled", device="totp")
    return codes


@transaction.atomic
def recovery_codes_create(*, user) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(_("Recovery codes")))
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit(user, "recovery_codes_created", count=len(codes))
    return codes


# ---------- verification ----------


def _normalised(code: str) -> str:
    return "".join((code or "").split()).lower()


def _attempt_allowed(request) -> bool:
    return throttle.allow(
        "two-factor-code", str(request.user.pk), limit=CODE_ATTEMPTS, window=CODE_WINDOW
    )


def _refused(request, **data) -> None:
    """A wrong code: audited, and a failed log-in for axes; at the lock-out the session ends
    (axes's middleware answers with the locked-out page)."""
    user = request.user
    audit(user, "code_refused", **data)
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    if getattr(request, "axes_locked_out", False):
        logout(request)


def code_proven(*, request, code: str, step: str):
    """The confirmed device of the user that accepts ``code`` (authenticator, recovery codes,
    SMS), or None: a wrong code is refused, audited and counted (``_refused``)."""
    user = request.user
    token = _normalised(code)
    device = None
    if token and _attempt_allowed(request):
        with transaction.atomic():
            device = next(
                (
                    candidate
                    for candidate in django_otp.devices_for_user(user, for_verify=True)
                    if candidate.verify_token(token)
                ),
                None,
            )
    if device is None:
        _refused(request, step=step)
    elif isinstance(device, StaticDevice):
        audit(user, "recovery_code_used", step=step, left=device.token_set.count())
    return device


def code_verify(*, request, code: str):
    """The second step of the log-in: on a good code the session is verified and the device
    returned; None otherwise."""
    device = code_proven(request=request, code=code, step="log-in")
    if device is not None:
        django_otp.login(request, device)
    return device


def sms_code_send(*, user) -> bool:
    """Send a code to the user's phone; False when SMS is not available, too many were sent
    lately, or the gateway failed (logged with its reason, never the number)."""
    if not sms_available(user):
        return False
    if not throttle.allow("two-factor-sms", str(user.pk), limit=SMS_SENDS, window=SMS_WINDOW):
        return False
    device, _created = SmsDevice.objects.get_or_create(
        user=user, defaults={"name": str(_("SMS code"))}
    )
    device.generate_token(valid_secs=SMS_VALID_SECONDS)
    text = _("Bangfu log-in code: %(code)s (valid %(minutes)d minutes). Tell nobody.") % {
        "code": device.token,
        "minutes": SMS_VALID_SECONDS // 60,
    }
    try:
        sms.send(user.phone, text)
    except sms.SmsError as error:
        logger.warning("Second-factor SMS to user %s not sent: %s", user.pk, error)
        return False
    return True


# ---------- managing one's devices ----------


def devices_of(user) -> list:
    """The user's confirmed devices, authenticators first."""
    return list(django_otp.devices_for_user(user, confirmed=True))


@transaction.atomic
def device_remove(*, request, persistent_id: str, code: str) -> bool:
    """Remove one of the user's devices, proven by a current code of any device; removing the
    authenticator removes the recovery codes with it (they stand in for that authenticator)."""
    user = request.user
    device = next((d for d in devices_of(user) if d.persistent_id == persistent_id), None)
    if device is None or code_proven(request=request, code=code, step="device removal") is None:
        return False
    removed = [device]
    if isinstance(device, TOTPDevice):
        removed += list(StaticDevice.objects.filter(user=user))
    for each in removed:
        audit(user, "device_removed", device=each.persistent_id)
        each.delete()
    request.session[STATE_SESSION_KEY] = second_factor_state(user)
    return True
