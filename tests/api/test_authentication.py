"""A request is its token's user, or it is refused 401 with a body that says why: no token, a
malformed header, an unknown, expired or revoked token, a deactivated account. The secret is
stored only as its hash."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from bangfu.api.models import ApiToken
from bangfu.api.tokens import api_token_create, api_token_revoke
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def codes(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def test_the_secret_is_stored_nowhere_only_its_hash(client, staff, make_token):
    token, secret = make_token(staff, "read_write")
    assert client.get(ME, headers=bearer(secret)).status_code == 200  # used: audited too
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert secret not in dump.getvalue()
    assert secret[len(token.prefix) :] not in dump.getvalue()
    token.refresh_from_db()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(secret) > 40


def test_a_live_token_is_its_users_request(client, staff, make_token):
    token, secret = make_token(staff)
    response = client.get(ME, headers=bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "staff_a"
    assert [role["role"] for role in body["roles"]] == ["bureau_staff"]
    assert body["token"] == {
        "name": "测试令牌",
        "prefix": token.prefix,
        "scope": "read",
        "expires_at": response.json()["token"]["expires_at"],
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_is_refused(english_client, staff, make_token):
    _token, secret = make_token(staff, days=1)
    assert english_client.get(ME, headers=bearer(secret)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        response = english_client.get(ME, headers=bearer(secret))
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"field": None, "code": "token_expired", "message": "This token has expired."}]
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_is_refused(english_client, staff, make_token):
    token, secret = make_token(staff)
    _other, other_secret = make_token(staff)
    api_token_revoke(by=staff, token=token)
    response = english_client.get(ME, headers=bearer(secret))
    assert response.status_code == 401
    assert codes(response) == ["token_revoked"]
    assert english_client.get(ME, headers=bearer(other_secret)).status_code == 200


def test_an_unknown_token_is_refused(english_client, staff, make_token):
    _token, secret = make_token(staff)
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "bfk_guess", "anything"):
        response = english_client.get(ME, headers=bearer(wrong))
        assert response.status_code == 401
        assert codes(response) == ["token_unknown"]


def test_a_deactivated_account_is_refused(english_client, staff, make_token):
    _token, secret = make_token(staff)
    assert english_client.get(ME, headers=bearer(secret)).status_code == 200
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    response = english_client.get(ME, headers=bearer(secret))
    assert response.status_code == 401
    assert codes(response) == ["account_inactive"]


def test_only_a_bearer_token_authenticates(english_client, staff, make_token):
    _token, secret = make_token(staff)
    # A logged-in session is not the API's: the pages keep it, the API ignores it.
    english_client.force_login(staff)
    response = english_client.get(ME)
    assert response.status_code == 401
    assert codes(response) == ["not_authenticated"]
    for header in (f"Token {secret}", f"Basic {secret}", f"Bearer {secret} extra"):
        response = english_client.get(ME, headers={"Authorization": header})
        assert response.status_code == 401, header
    # Positive control: the same client, the same secret, as a bearer token.
    assert english_client.get(ME, headers=bearer(secret)).status_code == 200


def test_a_token_expires_within_the_maximum(staff, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refusal:
        api_token_create(
            by=staff, user=staff, name="x", scope="read", expires_on=today + dt.timedelta(days=31)
        )
    assert "expires_on" in refusal.value.message_dict
    issued = api_token_create(
        by=staff, user=staff, name="x", scope="read", expires_on=today + dt.timedelta(days=30)
    )
    assert ApiToken.objects.get().pk == issued.token.pk
