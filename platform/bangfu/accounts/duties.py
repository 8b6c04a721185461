"""三员分立 (GB/T 22239-2019, level 3): three administrators in place of one superuser.

- the system administrator (系统管理员) keeps the platform's configuration: user accounts
  (made without a password), organisations, regions and policy values, in the Django admin;
- the security administrator (安全管理员) grants and withdraws roles (memberships), sets
  passwords, activates and deactivates accounts, unlocks accounts locked after failed log-ins
  and resets a user's second factor (``may_set_credentials``);
- the audit administrator (安全审计员) reads and exports the audit log and the security events
  (bangfu.auditing) and changes nothing.

None of them reads personal data: their roles give no area of the registry
(``bangfu.accounts.scoping``), and the admin of the registry's models answers them 403. Each
administrator's account holds its one duty and no other role (``Membership.clean``).

What each may do in the admin is given by ``DutiesBackend`` from the duty itself, not from
groups or flags to keep in step: withdrawing the membership withdraws the rights at the next
request. Superusers hold every duty, as they hold every role; in production mode
``check --deploy`` warns while one is active (bangfu.auditing.checks).
"""

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for

Role = Membership.Role

ADMIN_DUTIES = frozenset(Membership.ADMINISTRATORS)

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
# The admin rights of each duty: app label.model -> actions. Nothing is deleted by any of them
# but memberships: users, organisations and regions are deactivated, and audit entries name
# their actor, so a user's row stays.
DUTY_MODELS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SYSTEM_ADMIN: {
        "accounts.user": _EDIT,
        "accounts.organisation": _EDIT,
        "regions.region": _EDIT,
        "regions.policyvalue": _EDIT,
    },
    Role.SECURITY_ADMIN: {
        "accounts.user": _VIEW,
        "accounts.organisation": _VIEW,
        "accounts.membership": ("view", "add", "change", "delete"),
        "axes.accessattempt": _VIEW,
    },
    Role.AUDIT_ADMIN: {
        "accounts.user": _VIEW,
        "accounts.organisation": _VIEW,
        "accounts.membership": _VIEW,
        # Not auditlog's admin: it shows the values a change wrote, personal data among them.
        # The audit pages (bangfu.auditing) show which fields changed.
        "axes.accessattempt": _VIEW,
        "axes.accessfailurelog": _VIEW,
        "axes.accesslog": _VIEW,
    },
}


def duty_permissions(duty: str) -> frozenset[str]:
    """The Django permissions ("app_label.codename") a duty gives."""
    return frozenset(
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in DUTY_MODELS[duty].items()
        for action in actions
    )


def _held(user) -> frozenset[str]:
    """The duties the user's active memberships give (none for a superuser's own rows)."""
    return frozenset(scope_for(user).roles & ADMIN_DUTIES)


def duties_of(user) -> frozenset[str]:
    """The administrator duties of ``user``: those of their active bureau memberships; every
    duty for an active superuser; none for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return ADMIN_DUTIES
    return _held(user)


def require_duty(user, role: str) -> None:
    """Refuse (PermissionDenied) a user who does not hold the duty ``role``."""
    if role not in duties_of(user):
        raise PermissionDenied(_("This is the work of the %(duty)s.") % {"duty": Role(role).label})


def may_change_account(by, user) -> bool:
    """Whether ``by`` may change ``user``'s account (password, name, active): a superuser
    changes any; an administrator no superuser's and no account of another duty, so no duty
    takes over another's account."""
    if by.is_superuser:
        return True
    return not user.is_superuser and duties_of(user) <= duties_of(by)


def may_set_credentials(by, user) -> bool:
    """Whether ``by`` may set ``user``'s password, activate or deactivate the account, lift its
    lockout or reset its second factor: a superuser for any; otherwise only the security
    administrator, for an account ``may_change_account`` leaves them, never their own (their
    own password changes on the change-password page, which asks for the current one).

    The system administrator keeps accounts (names, contacts) but sets no credential, not even
    of an account that holds no role yet: whoever sets a password can log in as its user, and
    a role reaching personal data may be granted later. The security administrator's settings
    are each an audited security event (bangfu.accounts.security)."""
    if by.is_superuser:
        return True
    return (
        user.pk != by.pk and Role.SECURITY_ADMIN in duties_of(by) and may_change_account(by, user)
    )


def require_credentials(by, user) -> None:
    """Refuse (PermissionDenied) unless ``may_set_credentials(by, user)``."""
    if not may_set_credentials(by, user):
        raise PermissionDenied(
            _("The passwords and access of this account are not yours to change.")
        )


class DutiesBackend(BaseBackend):
    """Gives each administrator the admin permissions of their duties (``DUTY_MODELS``).

    Authenticates nobody: log-ins stay with the model backend (behind django-axes)."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if obj is not None or not getattr(user_obj, "is_active", False):
            return set()
        if user_obj.is_anonymous:
            return set()
        granted: set[str] = set()
        for duty in _held(user_obj):
            granted |= duty_permissions(duty)
        return granted

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(
            permission.startswith(f"{app_label}.")
            for permission in self.get_all_permissions(user_obj)
        )
