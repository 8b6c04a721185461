"""三员分立: the system, security and audit administrators each do their part and are refused
the rest, none of them reads a household; each refusal has its positive control."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from bangfu.accounts.duties import ADMIN_DUTIES, duties_of, require_duty
from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.security import LOCKOUT_CLEARED, SECURITY_KEY, TWO_FACTOR_RESET
from bangfu.registry.models import Household
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def membership_post(membership, **changes) -> dict:
    data = {
        "user": membership.user_id,
        "organisation": membership.organisation_id,
        "role": membership.role,
        "is_active": "on",
        "_save": "Save",
    }
    return {**data, **changes}


# --- none reads personal data ------------------------------------------------------------------


def test_no_administrator_opens_a_household(client, administrators, bureau_staff, household_a):
    url = reverse("registry:household-detail", args=[household_a.pk])
    for role, user in administrators.items():
        assert not Household.objects.for_user(user).exists(), role
        client.force_login(user)
        assert client.get(url).status_code in (403, 404), role
    # Control: the county's bureau staff open it.
    client.force_login(bureau_staff)
    assert client.get(url).status_code == 200


def test_no_administrator_opens_personal_data_in_the_admin(client, administrators):
    personal = [
        reverse("admin:registry_ledgerimport_changelist"),
        reverse("admin:referrals_referral_changelist"),
        reverse("admin:providers_volunteer_changelist"),
    ]
    for role, user in administrators.items():
        client.force_login(user)
        for url in personal:
            assert client.get(url).status_code == 403, (role, url)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert all(client.get(url).status_code == 200 for url in personal)


# --- the roles ------------------------------------------------------------------------------------


def test_the_duties_exist_only_in_a_bureau(county_a):
    county, town, _village = county_a
    station = OrganisationFactory(kind=Organisation.Kind.STATION, region=town)
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    for duty in ADMIN_DUTIES:
        with pytest.raises(ValidationError):
            Membership(user=UserFactory(), organisation=station, role=duty).full_clean()
        Membership(user=UserFactory(), organisation=bureau, role=duty).full_clean()


def test_an_administrators_account_holds_its_one_duty(auditadmin, bureau_staff):
    bureau = auditadmin.memberships.get().organisation
    for role in (Role.SECURITY_ADMIN, Role.BUREAU_STAFF):
        with pytest.raises(ValidationError):
            Membership(user=auditadmin, organisation=bureau, role=role).full_clean()
    with pytest.raises(ValidationError):
        Membership(user=bureau_staff, organisation=bureau, role=Role.AUDIT_ADMIN).full_clean()
    # Control: the same duty in a second bureau is no second duty.
    other = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=bureau.region)
    Membership(user=auditadmin, organisation=other, role=Role.AUDIT_ADMIN).full_clean()


def test_duties_follow_active_memberships(auditadmin, bureau_staff):
    assert duties_of(auditadmin) == {Role.AUDIT_ADMIN}
    assert duties_of(bureau_staff) == frozenset()
    with translation.override("en"), pytest.raises(PermissionDenied, match="audit administrator"):
        require_duty(bureau_staff, Role.AUDIT_ADMIN)
    auditadmin.memberships.update(is_active=False)
    assert duties_of(type(auditadmin).objects.get(pk=auditadmin.pk)) == frozenset()


# --- the system administrator -------------------------------------------------------------------


def test_the_system_administrator_keeps_users_organisations_and_regions(client, sysadmin, county_a):
    client.force_login(sysadmin)
    county, _town, _village = county_a
    organisation = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=county, name="旧名")
    for name in ("accounts_user_add", "accounts_organisation_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name
    assert client.get(change_url(county)).status_code == 200
    response = client.post(
        change_url(organisation),
        {
            "kind": organisation.kind,
            "name": "新名",
            "region": county.pk,
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "新名"


def test_the_system_administrator_reads_no_audit_and_changes_no_role(
    client, sysadmin, auditadmin, bureau_staff
):
    membership = bureau_staff.memberships.get()
    client.force_login(sysadmin)
    for url in (
        reverse("audit:search"),
        reverse("audit:export"),
        reverse("admin:auditlog_logentry_changelist"),
        reverse("admin:accounts_membership_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(change_url(membership), membership_post(membership, role="auditor"))
    assert response.status_code == 403
    # Control: the audit administrator reads the log, on the audit pages.
    client.force_login(auditadmin)
    assert client.get(reverse("audit:search")).status_code == 200
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200


def user_post(user, **changes) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "_save": "Save",
        **changes,
    }


def test_the_system_administrator_makes_no_superuser_and_takes_no_other_duty(
    client, sysadmin, secadmin, bureau_staff
):
    client.force_login(sysadmin)
    response = client.post(
        change_url(bureau_staff), user_post(bureau_staff, is_superuser="on", is_staff="on")
    )
    assert response.status_code == 302
    bureau_staff.refresh_from_db()
    assert not bureau_staff.is_superuser and not bureau_staff.is_staff
    assert bureau_staff.display_name  # the form was saved: only the rights were not in it
    # Another duty's account, and a superuser's, are not the system administrator's to change.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for account in (secadmin, root):
        assert client.post(change_url(account), user_post(account)).status_code == 403
        password_url = reverse("admin:auth_user_password_change", args=[account.pk])
        assert client.get(password_url).status_code == 403


# --- the security administrator -----------------------------------------------------------------


def test_the_security_administrator_grants_roles_but_not_to_themself(
    client, secadmin, bureau_staff
):
    bureau = secadmin.memberships.get().organisation
    client.force_login(secadmin)
    add = reverse("admin:accounts_membership_add")
    newcomer = UserFactory(username="newcomer")
    data = {"organisation": bureau.pk, "role": Role.BUREAU_MANAGER, "is_active": "on"}
    assert client.post(add, {**data, "user": newcomer.pk}).status_code == 302
    assert newcomer.memberships.filter(role=Role.BUREAU_MANAGER).exists()
    response = client.post(add, {**data, "user": secadmin.pk})
    assert (
        response.status_code == 200
        and not secadmin.memberships.filter(role=Role.BUREAU_MANAGER).exists()
    )
    own = secadmin.memberships.get()
    assert client.post(change_url(own), membership_post(own, is_active="")).status_code == 403
    own.refresh_from_db()
    assert own.is_active
    # Control: another's membership changes.
    membership = bureau_staff.memberships.get()
    response = client.post(change_url(membership), membership_post(membership, role="auditor"))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.AUDITOR


def test_the_security_administrator_unlocks_an_account(
    client, secadmin, sysadmin, bureau_staff, lock_out
):
    lock_out(bureau_staff)
    action = {"action": "clear_lockout", "_selected_action": [bureau_staff.pk]}
    changelist = reverse("admin:accounts_user_changelist")
    # The system administrator is not offered the action: nothing happens.
    client.force_login(sysadmin)
    client.post(changelist, action)
    assert AccessAttempt.objects.filter(username=bureau_staff.username).exists()
    client.force_login(secadmin)
    assert client.post(changelist, action).status_code == 302
    assert not AccessAttempt.objects.filter(username=bureau_staff.username).exists()
    event = LogEntry.objects.get(**{f"additional_data__{SECURITY_KEY}": LOCKOUT_CLEARED})
    assert (event.actor, event.object_id) == (secadmin, bureau_staff.pk)


def test_the_security_administrator_resets_a_second_factor(client, secadmin, bureau_staff):
    otp_totp = pytest.importorskip("django_otp.plugins.otp_totp.models")
    otp_totp.TOTPDevice.objects.create(user=bureau_staff, name="phone", confirmed=True)
    client.force_login(secadmin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [bureau_staff.pk]},
    )
    assert response.status_code == 302
    assert not otp_totp.TOTPDevice.objects.filter(user=bureau_staff).exists()
    assert LogEntry.objects.filter(
        actor=secadmin, **{f"additional_data__{SECURITY_KEY}": TWO_FACTOR_RESET}
    ).exists()


def test_the_security_administrator_reads_no_audit_log(client, secadmin, auditadmin):
    client.force_login(secadmin)
    assert client.get(reverse("audit:search")).status_code == 403
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 403
    # Controls: the audit administrator reads the log on the audit pages; the admin's list of
    # entries (with the values changes wrote) is a superuser's.
    client.force_login(auditadmin)
    assert client.get(reverse("audit:search")).status_code == 200
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200


# --- the audit administrator ---------------------------------------------------------------------


def test_the_audit_administrator_cannot_change_a_role(client, auditadmin, secadmin, bureau_staff):
    membership = bureau_staff.memberships.get()
    client.force_login(auditadmin)
    assert client.get(change_url(membership)).status_code == 200  # reads it
    response = client.post(change_url(membership), membership_post(membership, role="auditor"))
    assert response.status_code == 403
    add = client.post(reverse("admin:accounts_membership_add"), membership_post(membership))
    assert add.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.BUREAU_STAFF
    # Control: the security administrator's same request changes it.
    client.force_login(secadmin)
    client.post(change_url(membership), membership_post(membership, role="auditor"))
    membership.refresh_from_db()
    assert membership.role == Role.AUDITOR


def test_the_audit_pages_take_no_post(client, auditadmin):
    client.force_login(auditadmin)
    for name in ("search", "export", "security", "chain"):
        url = reverse(f"audit:{name}")
        assert client.post(url).status_code == 405, name
        assert client.get(url).status_code == 200, name


def test_the_audit_pages_are_the_audit_administrators(client, bureau_staff, auditadmin):
    client.force_login(bureau_staff)
    assert client.get(reverse("audit:search")).status_code == 403
    client.logout()
    assert client.get(reverse("audit:search")).status_code == 302  # to the log-in
    client.force_login(auditadmin)  # control
    assert client.get(reverse("audit:search")).status_code == 200


# --- where they start ---------------------------------------------------------------------------


def test_each_administrator_starts_on_pages_that_open(client, administrators):
    offered = {}
    for role, user in administrators.items():
        client.force_login(user)
        response = client.get(reverse("home"), follow=True)
        assert response.status_code == 200, role
        offered[role] = {item["url"] for item in response.context["navigation"]}
        for url in offered[role]:
            assert client.get(url, follow=True).status_code == 200, (role, url)
    assert reverse("audit:search") in offered[Role.AUDIT_ADMIN]
    assert reverse("admin:index") in offered[Role.SYSTEM_ADMIN] & offered[Role.SECURITY_ADMIN]
    assert reverse("audit:search") not in offered[Role.SYSTEM_ADMIN] | offered[Role.SECURITY_ADMIN]
