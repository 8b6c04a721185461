"""Second factors through HTTP: who is asked, enrolment, recovery codes, wrong codes, SMS."""

import json
import re

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.two_factor import two_factor_required
from tests.factories import OrganisationFactory, UserFactory, member_of

LOGIN_URL = reverse("accounts:login")
HOME = reverse("home")
VERIFY = reverse("accounts:two-factor-verify")
ENROL = reverse("accounts:two-factor-enrol")
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _enforced(settings):
    """Second factors enforced, SMS written to a file; the per-user code counters (in the
    cache) start from nothing, as user ids come back from one test to the next."""
    settings.TWO_FACTOR_ENFORCED = True
    settings.SMS_BACKEND = "bangfu.core.sms.FileBackend"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager(county_a):
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    user = UserFactory(username="manager_a", phone="13912345678")
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user


def confirmed_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    """What the user's app shows now (RFC 6238, the device's own secret)."""
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def log_in(client, username: str):
    return client.post(LOGIN_URL, {"username": username, "password": PASSWORD, "next": HOME})


def audit_events(user) -> list[str]:
    entries = LogEntry.objects.filter(object_pk=str(user.pk), action=LogEntry.Action.ACCESS)
    return [entry.additional_data.get("two_factor") for entry in entries.order_by("pk")]


def test_a_manager_with_the_password_but_no_code_cannot_reach_the_start_page(client, manager):
    confirmed_totp(manager)
    log_in(client, "manager_a")

    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    assert client.get(reverse("registry:household-list")).status_code == 302


def test_with_a_valid_code_the_manager_reaches_the_start_page(client, manager):
    device = confirmed_totp(manager)
    response = log_in(client, "manager_a")
    assert response.url == HOME

    verified = client.post(VERIFY, {"code": code_of(device), "next": HOME}, follow=True)

    assert verified.redirect_chain[-1][0] == HOME
    assert verified.templates[0].name == "accounts/start.html"


def test_a_manager_without_a_device_must_enrol_first(client, manager):
    log_in(client, "manager_a")

    first = client.get(HOME, follow=True)

    assert first.redirect_chain[-1][0].startswith(ENROL)
    assert first.templates[0].name == "accounts/two_factor/enrol.html"


def test_enrolment_from_the_secret_shown_to_the_recovery_codes(english_client, manager):
    client = english_client
    log_in(client, "manager_a")
    page = client.get(ENROL)
    body = page.content.decode()
    assert "<svg" in body and page.context["secret"] in body
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert page.context["secret"].replace(" ", "") in device.config_url

    wrong = client.post(ENROL, {"code": "000000", "next": HOME})
    assert wrong.status_code == 200
    assert "This code is wrong or has expired." in wrong.content.decode()
    # The throttle of a wrong code has passed (django-otp waits a second after one failure).
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)

    confirmed = client.post(ENROL, {"code": code_of(device), "next": HOME})

    assert confirmed.status_code == 200
    codes = confirmed.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in confirmed.content.decode() for code in codes)
    assert client.get(HOME).status_code == 200  # this session is verified
    device.refresh_from_db()
    assert device.confirmed
    assert audit_events(manager) == ["code_refused", "recovery_codes_created", "enrolled"]


def test_enrolment_is_refused_to_an_unverified_session_of_a_user_who_has_a_device(client, manager):
    confirmed_totp(manager)
    log_in(client, "manager_a")

    response = client.get(ENROL)

    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=manager, confirmed=False).exists()


def test_a_recovery_code_works_once(client, manager):
    confirmed_totp(manager)
    recovery = StaticDevice.objects.create(user=manager, name="codes")
    StaticToken.objects.create(device=recovery, token="abcd2345ef")

    log_in(client, "manager_a")
    used = client.post(VERIFY, {"code": "ABCD 2345 EF", "next": HOME})
    assert used.status_code == 302 and used.url == HOME
    assert client.get(HOME).status_code == 200

    client.post(reverse("accounts:logout"))
    log_in(client, "manager_a")
    again = client.post(VERIFY, {"code": "abcd2345ef", "next": HOME})

    assert again.status_code == 200
    assert client.get(HOME).status_code == 302
    assert audit_events(manager) == ["recovery_code_used", "code_refused"]


def test_wrong_codes_are_refused_audited_and_lock_the_account_at_five(client, manager):
    device = confirmed_totp(manager)
    log_in(client, "manager_a")

    for _attempt in range(4):
        refused = client.post(VERIFY, {"code": "123456", "next": HOME})
        assert refused.status_code == 200
        assert refused.context["form"].errors["code"]
    last = client.post(VERIFY, {"code": "123456", "next": HOME})

    assert last.status_code == 429  # axes's locked-out page
    assert "_auth_user_id" not in client.session
    assert audit_events(manager) == ["code_refused"] * 5
    entry = LogEntry.objects.filter(object_pk=str(manager.pk)).last()
    assert entry.actor == manager and entry.additional_data["step"] == "log-in"
    # Locked: even the right password and code are refused now.
    assert log_in(client, "manager_a").status_code == 429
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert client.get(HOME).status_code == 302


def test_an_sms_code_verifies_where_sms_is_configured(client, manager, settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    confirmed_totp(manager)
    log_in(client, "manager_a")

    sent = client.post(reverse("accounts:two-factor-sms"), {"next": HOME})
    assert sent.status_code == 302
    message = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8"))
    assert message["to"] != "13912345678"  # the file is a log: the number is masked
    code = re.search(r"\b(\d{6})\b", message["text"]).group(1)

    verified = client.post(VERIFY, {"code": code, "next": HOME})

    assert verified.status_code == 302 and verified.url == HOME
    assert client.get(HOME).status_code == 200


def test_a_volunteer_is_not_asked_unless_the_policy_says_everyone(client, volunteer, settings):
    assert not two_factor_required(volunteer)
    log_in(client, "volunteer_a")
    assert client.get(HOME).status_code == 200

    settings.TWO_FACTOR_FOR_EVERYONE = True
    client.post(reverse("accounts:logout"))
    log_in(client, "volunteer_a")

    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(VERIFY)


def test_without_enforcement_log_ins_stay_one_factor_for_those_without_a_device(
    client, manager, settings
):
    settings.TWO_FACTOR_ENFORCED = False
    log_in(client, "manager_a")

    assert client.get(HOME).status_code == 200


def test_removing_a_device_needs_a_code_and_is_audited(client, manager):
    device = confirmed_totp(manager)
    log_in(client, "manager_a")
    client.post(VERIFY, {"code": code_of(device), "next": HOME})
    manage = client.get(reverse("accounts:two-factor"))
    assert manage.status_code == 200
    remove = reverse("accounts:two-factor-remove")

    client.post(remove, {"device": device.persistent_id, "code": "999999"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    # The next time step's code (the previous one was used; the device allows one step ahead).
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    later = f"{totp(device.bin_key, t0=-device.step):06d}"
    client.post(remove, {"device": device.persistent_id, "code": later})

    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert audit_events(manager)[-2:] == ["code_refused", "device_removed"]
    # A manager without a device must enrol again before anything else.
    assert client.get(HOME).url.startswith(VERIFY)


def test_the_log_in_page_is_unchanged_and_an_unverified_user_can_log_out(client, manager):
    confirmed_totp(manager)
    log_in(client, "manager_a")

    assert client.get(LOGIN_URL).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(client, manager):
    device = confirmed_totp(manager)
    recovery = StaticDevice.objects.create(user=manager, name="codes")
    StaticToken.objects.bulk_create(
        StaticToken(device=recovery, token=token) for token in ("oldcode111", "oldcode222")
    )
    log_in(client, "manager_a")
    client.post(VERIFY, {"code": code_of(device), "next": HOME})
    renew = reverse("accounts:two-factor-recovery-codes")

    refused = client.post(renew, {"code": "nothing"})
    assert refused.status_code == 302
    assert StaticToken.objects.filter(device__user=manager).count() == 2

    StaticDevice.objects.filter(user=manager).update(throttling_failure_timestamp=None)
    made = client.post(renew, {"code": "oldcode111"})

    assert made.status_code == 200
    codes = made.context["codes"]
    assert len(codes) == 10
    tokens = set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert tokens == set(codes)  # oldcode222 no longer works
    assert audit_events(manager) == [
        "code_refused",
        "recovery_code_used",
        "recovery_codes_created",
    ]
