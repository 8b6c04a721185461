"""三员分立, credentials: passwords, activation, lockouts and second factors are the security
administrator's, each an audited security event; the system administrator makes accounts
without a password and sets none. Each refusal has its positive control."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bangfu.accounts import security
from bangfu.accounts.models import User
from tests.auditing.test_duties import change_url, user_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kx7!mQ2#pL9z"
CHANGELIST = "admin:accounts_user_changelist"


def password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def password_post() -> dict:
    return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}


def add_post(username: str) -> dict:
    # With the memberships' inline, which only a superuser's form shows.
    inline = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    return {"username": username, **password_post(), **inline}


def events(event: str, **where):
    return LogEntry.objects.filter(**{f"additional_data__{security.SECURITY_KEY}": event}, **where)


@pytest.fixture
def root():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_system_administrator_sets_no_password(client, sysadmin, secadmin, bureau_staff):
    roleless = UserFactory(username="newcomer")
    client.force_login(sysadmin)
    for account in (bureau_staff, roleless):
        assert client.get(password_url(account)).status_code == 403
        assert client.post(password_url(account), password_post()).status_code == 403
        account.refresh_from_db()
        assert not account.check_password(NEW_PASSWORD)
    # Control: the security administrator sets it, and the audit log says who did.
    client.force_login(secadmin)
    assert client.get(password_url(bureau_staff)).status_code == 200
    assert client.post(password_url(bureau_staff), password_post()).status_code == 302
    bureau_staff.refresh_from_db()
    assert bureau_staff.check_password(NEW_PASSWORD)
    event = events(security.PASSWORD_SET).get()
    assert (event.actor, event.object_id) == (secadmin, bureau_staff.pk)


def test_the_system_administrator_makes_accounts_without_a_password(client, sysadmin, root):
    add = reverse("admin:accounts_user_add")
    client.force_login(sysadmin)
    assert client.post(add, add_post("newcomer")).status_code == 302
    assert not User.objects.get(username="newcomer").has_usable_password()
    # Control: the same form of a superuser sets the password.
    client.force_login(root)
    assert client.post(add, add_post("another")).status_code == 302
    assert User.objects.get(username="another").check_password(NEW_PASSWORD)


def test_activation_is_the_security_administrators(client, sysadmin, secadmin, bureau_staff):
    client.force_login(sysadmin)
    # The change form saves, but without the account's "active": it is read-only here.
    response = client.post(change_url(bureau_staff), user_post(bureau_staff, is_active=""))
    assert response.status_code == 302
    client.post(
        reverse(CHANGELIST), {"action": "deactivate", "_selected_action": [bureau_staff.pk]}
    )
    bureau_staff.refresh_from_db()
    assert bureau_staff.is_active
    # Control: the security administrator deactivates and activates again, audited.
    client.force_login(secadmin)
    for action, active in (("deactivate", False), ("activate", True)):
        data = {"action": action, "_selected_action": [bureau_staff.pk]}
        assert client.post(reverse(CHANGELIST), data).status_code == 302
        bureau_staff.refresh_from_db()
        assert bureau_staff.is_active is active
    assert events(security.ACCOUNT_DEACTIVATED, actor=secadmin).count() == 1
    assert events(security.ACCOUNT_ACTIVATED, actor=secadmin).count() == 1


def test_the_security_administrator_leaves_superusers_other_duties_and_themself(
    client, secadmin, auditadmin, bureau_staff, root, lock_out
):
    otp_totp = pytest.importorskip("django_otp.plugins.otp_totp.models")
    accounts = (root, auditadmin, secadmin, bureau_staff)
    for account in accounts:
        if account != secadmin:  # theirs would ask them for a code (the services refuse it)
            otp_totp.TOTPDevice.objects.create(user=account, name="phone", confirmed=True)
        lock_out(account)
    client.force_login(secadmin)
    for action in ("reset_two_factor", "clear_lockout", "deactivate"):
        data = {"action": action, "_selected_action": [account.pk for account in accounts]}
        assert client.post(reverse(CHANGELIST), data).status_code == 302
    for account in (root, auditadmin, secadmin):
        assert client.get(password_url(account)).status_code == 403
        account.refresh_from_db()
        assert account.is_active
        assert AccessAttempt.objects.filter(username=account.username).exists()
    for account in (root, auditadmin):
        assert otp_totp.TOTPDevice.objects.filter(user=account).exists()
    # Control: the bureau's account, selected with them, had all three done.
    bureau_staff.refresh_from_db()
    assert not bureau_staff.is_active
    assert not otp_totp.TOTPDevice.objects.filter(user=bureau_staff).exists()
    assert not AccessAttempt.objects.filter(username=bureau_staff.username).exists()


def test_the_services_refuse_what_the_admin_does_not_offer(secadmin, sysadmin, bureau_staff, root):
    for service in (security.lockout_clear, security.two_factor_reset, security.password_set):
        with pytest.raises(PermissionDenied):
            service(user=root, by=secadmin)
        with pytest.raises(PermissionDenied):
            service(user=bureau_staff, by=sysadmin)
        service(user=bureau_staff, by=secadmin)  # control
    for service in (security.two_factor_reset, security.lockout_clear, security.password_set):
        with pytest.raises(PermissionDenied):
            service(user=secadmin, by=secadmin)  # their own
    with pytest.raises(PermissionDenied):
        security.account_activate(user=secadmin, by=secadmin, active=False)
    assert security.account_activate(user=bureau_staff, by=secadmin, active=False)
