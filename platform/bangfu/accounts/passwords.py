"""The password policy of 等保三级 (GB/T 22239-2019, 8.1.4.1 身份鉴别): complexity, no reuse of
the last few passwords, and a maximum age for the privileged.

Both validators sit in ``AUTH_PASSWORD_VALIDATORS``. Django calls every validator's
``password_changed`` after a user whose password was set with ``set_password`` is saved — the
change-password page, the admin's forms, ``createsuperuser``, ``changepassword`` and the
services that register users alike — so ``HistoryValidator`` records each new password there,
on every path, without a signal or a wrapper.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bangfu.accounts.models import PasswordHistory

# The session remembers, from the log-in on, that the password must be changed before anything
# else (bangfu.accounts.middleware).
EXPIRED_SESSION_KEY = "bangfu_password_expired"


def character_classes(password: str) -> int:
    """How many of lower-case letters, capitals, digits and symbols the password mixes."""
    return sum(
        (
            any(char.islower() for char in password),
            any(char.isupper() for char in password),
            any(char.isdigit() for char in password),
            any(not char.isalnum() for char in password),
        )
    )


class ComplexityValidator:
    """At least ``min_classes`` of: lower-case letters, capitals, digits, symbols (the length
    is MinimumLengthValidator's)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(count)d of: lower-case letters, capitals, "
            "digits and symbols."
        ) % {"count": self.min_classes}


class HistoryValidator:
    """Refuses the current password and the last ``PASSWORD_HISTORY_COUNT`` ones; records each
    new one (``password_changed``)."""

    def validate(self, password, user=None) -> None:
        count = settings.PASSWORD_HISTORY_COUNT
        if not count or user is None or user.pk is None:
            return
        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:count]
        )
        if is_password_usable(user.password):
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext(
                    "You have used this password before: choose one that is not your last.",
                    "You have used this password before: choose one that is not among your "
                    "last %(count)d.",
                    count,
                )
                % {"count": count},
                code="password_reused",
            )

    def password_changed(self, password, user) -> None:
        if user.pk is None or not is_password_usable(user.password):
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = max(settings.PASSWORD_HISTORY_COUNT, 1)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return _("Your password cannot be one of your last %(count)d.") % {
            "count": settings.PASSWORD_HISTORY_COUNT
        }


def max_age_days(user) -> int:
    """The days a password of this user lasts (0: for ever): the privileged are those who must
    have a second factor."""
    from bangfu.accounts.two_factor import is_privileged

    if is_privileged(user):
        return settings.PASSWORD_MAX_AGE_DAYS_PRIVILEGED
    return settings.PASSWORD_MAX_AGE_DAYS


def password_expired(user) -> bool:
    """Whether the user's password is older than their maximum age. A password set before the
    history was kept (or written straight into the table) dates from the account's creation."""
    days = max_age_days(user)
    if not days:
        return False
    changed_at = (
        PasswordHistory.objects.filter(user=user).values_list("changed_at", flat=True).first()
    )
    return timezone.now() - (changed_at or user.date_joined) >= timedelta(days=days)
