"""Requests are limited per token (the API) and per client address (the public endpoints):
past the rate, 429 with Retry-After, in the one error shape; another token, another address
goes on."""

import ipaddress

import pytest

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
ME, PUBLIC = "/api/v1/me/", "/api/v1/public/offers/"


def test_a_token_is_limited_to_its_rate(english_client, staff, settings, make_token):
    settings.API_RATE_PER_TOKEN = "2/minute"
    _token, secret = make_token(staff)
    _other, other_secret = make_token(staff)
    assert [english_client.get(ME, headers=bearer(secret)).status_code for _ in range(2)] == [
        200,
        200,
    ]
    response = english_client.get(ME, headers=bearer(secret))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    [error] = response.json()["errors"]
    assert error["code"] == "throttled" and error["field"] is None
    # The limit is the token's: another token of the same user goes on.
    assert english_client.get(ME, headers=bearer(other_secret)).status_code == 200


def built(n: int) -> str:
    """The public list at an address of its own: built afresh, not served from the cache
    (bangfu.core.public_cache), whose answers cost nothing and count for no limit."""
    return f"{PUBLIC}?visit={n}"


def test_the_public_endpoints_are_limited_per_address(client, settings):
    settings.API_RATE_PER_ADDRESS = "2/minute"
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get(built(n), **here).status_code for n in range(2)] == [200, 200]
    assert client.get(built(2), **here).status_code == 429
    assert client.get(built(3), REMOTE_ADDR="203.0.113.8").status_code == 200


def test_answers_from_the_cache_are_not_limited(client, settings):
    settings.API_RATE_PER_ADDRESS = "2/minute"
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get(PUBLIC, **here).status_code for _ in range(5)] == [200] * 5


def test_behind_a_trusted_proxy_the_client_address_counts(client, settings):
    settings.API_RATE_PER_ADDRESS = "2/minute"
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    second = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert [client.get(built(n), **first).status_code for n in range(3)] == [200, 200, 429]
    # Another visitor behind the same proxy has a bucket of their own.
    assert client.get(built(3), **second).status_code == 200
