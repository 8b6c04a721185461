"""The security administrator's settings of one account: its password, whether it is active,
lifting a lockout, resetting the second factor. Each is refused to anyone else
(``bangfu.accounts.duties.may_set_credentials``) and leaves a security event in the audit log
(an auditlog entry on the account whose ``additional_data`` names the event under
``SECURITY_KEY``), which the audit administrator reads (bangfu.auditing)."""

from auditlog.models import LogEntry
from django.apps import apps
from django.db import transaction

from bangfu.accounts.duties import require_credentials

# In an audit entry's additional_data: the security event it records.
SECURITY_KEY = "security"
LOCKOUT_CLEARED = "lockout_cleared"
TWO_FACTOR_RESET = "two_factor_reset"
SUPERUSER_CREATED = "superuser_created"
PASSWORD_SET = "password_set"
ACCOUNT_ACTIVATED = "account_activated"
ACCOUNT_DEACTIVATED = "account_deactivated"


def security_event(*, user, by, event: str, action=LogEntry.Action.UPDATE, **details) -> LogEntry:
    """Record ``event`` about ``user``'s account, done by ``by`` (None: a command)."""
    return LogEntry.objects.log_create(
        user,
        force_log=True,
        action=action,
        actor=by,
        additional_data={SECURITY_KEY: event, **details},
    )


@transaction.atomic
def lockout_clear(*, user, by) -> int:
    """Forget the failed log-ins that lock ``user`` out; returns how many records went."""
    from axes.utils import reset

    require_credentials(by, user)
    removed = reset(username=user.get_username())
    security_event(user=user, by=by, event=LOCKOUT_CLEARED, attempts=removed)
    return removed


@transaction.atomic
def two_factor_reset(*, user, by) -> int:
    """Remove every second-factor device of ``user`` (authenticator app, recovery codes): at
    their next log-in they enrol again. Returns how many devices went."""
    require_credentials(by, user)
    removed = 0
    if apps.is_installed("django_otp"):
        from django_otp import devices_for_user

        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
    security_event(user=user, by=by, event=TWO_FACTOR_RESET, devices=removed)
    return removed


def password_set(*, user, by) -> LogEntry:
    """Record that ``by`` set ``user``'s password (the admin's password form sets it)."""
    require_credentials(by, user)
    return security_event(user=user, by=by, event=PASSWORD_SET)


@transaction.atomic
def account_activate(*, user, by, active: bool) -> bool:
    """Activate or deactivate ``user``'s account; returns whether it changed."""
    require_credentials(by, user)
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    event = ACCOUNT_ACTIVATED if active else ACCOUNT_DEACTIVATED
    security_event(user=user, by=by, event=event)
    return True
