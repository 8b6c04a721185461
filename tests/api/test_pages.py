"""The token pages over HTTP: a user makes a token, sees its secret once and revokes it; a bureau
manager makes a service account for the bureau and a token for it; a station's staff cannot;
another county's manager cannot touch the bureau's accounts."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from bangfu.api.models import ApiToken, ServiceAccount
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
TOKENS, ACCOUNTS = "/staff/api/", "/staff/api/service-accounts/"


def token_post(name="手机小程序", scope="read_write", days=30) -> dict:
    expires_on = timezone.localdate() + dt.timedelta(days=days)
    return {"name": name, "scope": scope, "expires_on": expires_on.isoformat()}


def shown_secret(response) -> str:
    return re.search(r'id="api-token-secret">(bfk_[^<]+)<', response.content.decode())[1]


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(client, station_staff):
    client.force_login(station_staff)
    assert client.get(TOKENS).status_code == 200
    response = client.post(TOKENS, token_post())
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    secret = shown_secret(response)
    token = ApiToken.objects.get(user=station_staff)
    assert token.scope == "read_write" and token.created_by == station_staff
    # The list shows the prefix, never the secret again.
    listing = client.get(TOKENS).content.decode()
    assert token.prefix in listing and secret not in listing
    assert client.get("/api/v1/me/", headers=bearer(secret)).json()["username"] == "station_a"
    response = client.post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/me/", headers=bearer(secret)).status_code == 401


def test_a_token_past_the_maximum_is_refused_on_the_form(english_client, staff, settings):
    settings.API_TOKEN_MAX_DAYS = 365
    english_client.force_login(staff)
    response = english_client.post(TOKENS, token_post(days=400))
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_users_token(client, staff, station_staff, make_token):
    token, _secret = make_token(staff)
    client.force_login(station_staff)
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    client.force_login(staff)
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 302


def make_account(client, manager, bureau, username="yj-hotline", role="bureau_staff"):
    client.force_login(manager)
    response = client.post(
        ACCOUNTS,
        {
            "organisation": bureau.pk,
            "username": username,
            "display_name": "12349 热线系统",
            "role": role,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    return ServiceAccount.objects.get(user__username=username)


def test_a_manager_makes_a_service_account_and_its_token(client, manager, bureau):
    account = make_account(client, manager, bureau)
    user = account.user
    assert not user.has_usable_password()
    assert [(m.organisation, m.role) for m in user.memberships.all()] == [(bureau, "bureau_staff")]
    page = client.get(ACCOUNTS)
    assert "yj-hotline" in page.content.decode()
    response = client.post(f"{ACCOUNTS}{account.pk}/tokens/", token_post("热线对接"))
    secret = shown_secret(response)
    me = client.get("/api/v1/me/", headers=bearer(secret)).json()
    assert me["username"] == "yj-hotline" and me["is_service_account"] is True
    assert me["roles"][0]["organisation"] == "元江县民政局"
    # The manager revokes it from the same page.
    token = ApiToken.objects.get(user=user)
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 302
    assert client.get("/api/v1/me/", headers=bearer(secret)).status_code == 401


def test_a_service_account_holds_no_administrative_role(english_client, manager, bureau):
    english_client.force_login(manager)
    for role in ("bureau_manager", "security_admin", "system_admin"):
        response = english_client.post(
            ACCOUNTS,
            {"organisation": bureau.pk, "username": "sys", "display_name": "x", "role": role},
        )
        assert response.status_code == 200
        assert "role" in response.context["form"].errors
    assert not ServiceAccount.objects.exists()


def test_a_station_user_cannot_make_a_service_account(client, station_staff, bureau, manager):
    client.force_login(station_staff)
    assert client.get(ACCOUNTS).status_code == 403
    response = client.post(
        ACCOUNTS,
        {"organisation": bureau.pk, "username": "rogue", "display_name": "x", "role": "auditor"},
    )
    assert response.status_code == 403
    assert not ServiceAccount.objects.exists()
    # Positive control: the bureau's manager can.
    make_account(client, manager, bureau, username="benefits-system", role="auditor")


def test_another_countys_manager_cannot_touch_the_accounts(
    client, manager, bureau, other_manager, make_token
):
    account = make_account(client, manager, bureau)
    token, _secret = make_token(account.user, by=manager)
    client.force_login(other_manager)
    assert "yj-hotline" not in client.get(ACCOUNTS).content.decode()
    assert client.post(f"{ACCOUNTS}{account.pk}/tokens/", token_post()).status_code == 404
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 403
    response = client.post(
        ACCOUNTS,
        {"organisation": bureau.pk, "username": "x-sys", "display_name": "x", "role": "auditor"},
    )
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    assert ApiToken.objects.filter(user=account.user).count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_manager_finds_the_pages_in_the_navigation(client, manager, staff):
    client.force_login(manager)
    links = {item["url"] for item in client.get(TOKENS).context["navigation"]}
    assert TOKENS in links
    assert client.get(ACCOUNTS).status_code == 200


def test_the_token_pages_fit_a_phone(client, manager, bureau, make_token):
    account = make_account(client, manager, bureau)
    make_token(account.user, by=manager)
    make_token(manager)
    for url in (TOKENS, ACCOUNTS):
        body = client.get(url).content.decode()
        assert body.count('<table class="data">') == body.count('<div class="table-wrap">')
        assert 'data-label="' in body
