"""A read token only reads; a read-write token may also change. Every authenticated request
leaves an audit entry naming the token's prefix, the method and the path, never the secret nor
the query."""

import pytest
from auditlog.models import LogEntry

from bangfu.api.models import ApiToken
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
ME, MY_TOKEN = "/api/v1/me/", "/api/v1/me/token/"


def test_a_read_token_may_not_write(english_client, staff, make_token):
    token, secret = make_token(staff, "read")
    response = english_client.delete(MY_TOKEN, headers=bearer(secret))
    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["code"] == "token_scope"
    assert "“read”" in error["message"]
    token.refresh_from_db()
    assert token.revoked_at is None
    # It still reads.
    assert english_client.get(ME, headers=bearer(secret)).status_code == 200


def test_a_read_write_token_passes_the_scope(english_client, staff, make_token):
    token, secret = make_token(staff, "read_write")
    response = english_client.delete(MY_TOKEN, headers=bearer(secret))
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == staff
    # Revoked over the API, it is refused from now on.
    assert english_client.get(ME, headers=bearer(secret)).status_code == 401


def test_each_use_is_audited_without_the_secret_or_the_query(client, staff, make_token):
    token, secret = make_token(staff, "read")
    client.get(ME, {"q": "张三 530428199001011234"}, headers=bearer(secret))
    client.delete(MY_TOKEN, headers=bearer(secret))
    uses = LogEntry.objects.get_for_object(token).filter(action=LogEntry.Action.ACCESS)
    assert [(entry.additional_data, entry.actor) for entry in uses.order_by("pk")] == [
        ({"api_token": token.prefix, "method": "GET", "path": ME}, staff),
        ({"api_token": token.prefix, "method": "DELETE", "path": MY_TOKEN}, staff),
    ]
    created = LogEntry.objects.get_for_object(token).get(action=LogEntry.Action.CREATE)
    assert created.actor == staff and created.additional_data["scope"] == "read"
    every_entry = " ".join(
        f"{entry.object_repr} {entry.additional_data} {entry.changes}"
        for entry in LogEntry.objects.all()
    )
    assert secret not in every_entry
    assert "530428199001011234" not in every_entry and "张三" not in every_entry


def test_a_refused_token_is_not_recorded_as_a_use(client, staff, make_token):
    token, secret = make_token(staff)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at)
    assert client.get(ME, headers=bearer(secret)).status_code == 401
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
