"""Behind a trusted proxy every visitor is told apart by the address the proxy saw; a header
written by anyone else changes nothing. Rate limits, lock-outs and audit entries all use it."""

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.urls import reverse

from bangfu.core.client_address import client_address, parse_networks
from tests.test_settings import manage

PROXY = "10.0.0.2"
VISITOR_A, VISITOR_B = "203.0.113.7", "198.51.100.9"
STATUS_LIMIT = 20  # cms.views.STATUS_PER_ADDRESS
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = parse_networks("TRUSTED_PROXIES", ["10.0.0.0/24"])


def ask_status(client, *, remote: str, forwarded: str | None = None):
    """One look-up of a help request's progress: a code and phone that match nothing."""
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post(
        "/help/status/",
        {"code": "K7QM-3XPA", "phone": "13912340001"},
        REMOTE_ADDR=remote,
        **headers,
    )


def use_up_the_limit(client, **where) -> None:
    for _attempt in range(STATUS_LIMIT):
        assert ask_status(client, **where).status_code == 404
    assert ask_status(client, **where).status_code == 429


def test_two_visitors_behind_the_same_trusted_proxy_have_their_own_buckets(client, behind_proxy):
    use_up_the_limit(client, remote=PROXY, forwarded=VISITOR_A)

    response = ask_status(client, remote=PROXY, forwarded=VISITOR_B)

    assert response.status_code == 404  # looked up, not refused


def test_without_trusting_the_proxy_the_whole_county_shares_one_bucket(client, settings):
    settings.TRUSTED_PROXIES = ()
    use_up_the_limit(client, remote=PROXY, forwarded=VISITOR_A)

    assert ask_status(client, remote=PROXY, forwarded=VISITOR_B).status_code == 429


def test_a_forwarded_for_header_from_an_untrusted_address_is_ignored(client, behind_proxy):
    for attempt in range(STATUS_LIMIT):
        ask_status(client, remote=VISITOR_A, forwarded=f"192.0.2.{attempt}")

    assert ask_status(client, remote=VISITOR_A, forwarded="192.0.2.250").status_code == 429


def test_what_the_visitor_writes_before_the_proxys_entry_is_ignored(client, behind_proxy):
    for attempt in range(STATUS_LIMIT):
        ask_status(client, remote=PROXY, forwarded=f"192.0.2.{attempt}, {VISITOR_A}")

    response = ask_status(client, remote=PROXY, forwarded=f"192.0.2.250, {VISITOR_A}")

    assert response.status_code == 429


def test_a_lock_out_holds_one_visitor_not_everyone_behind_the_proxy(
    client, behind_proxy, bureau_staff
):
    url = reverse("accounts:login")
    for _attempt in range(5):
        client.post(
            url,
            {"username": "bureau_a", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=VISITOR_A,
        )
    locked = client.post(
        url,
        {"username": "bureau_a", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=VISITOR_A,
    )

    elsewhere = client.post(
        url,
        {"username": "bureau_a", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=VISITOR_B,
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_the_audit_entry_records_the_address_the_proxy_saw(
    client, behind_proxy, bureau_staff, household_a
):
    member = household_a.members.get()
    client.post(reverse("accounts:login"), {"username": "bureau_a", "password": PASSWORD})

    response = client.post(
        reverse("registry:member-identity", args=[member.pk]),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {VISITOR_A}",
    )

    assert response.status_code == 200
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_id=member.pk)
    assert entry.remote_addr == VISITOR_A


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (PROXY, f"{VISITOR_A}:5123", VISITOR_A),
        (f"::ffff:{PROXY}", VISITOR_A, VISITOR_A),
        (PROXY, f"{VISITOR_A}, 10.0.0.3", VISITOR_A),  # two proxies of ours
        (PROXY, "not-an-address", PROXY),
        (PROXY, "", PROXY),
    ],
)
def test_the_address_is_read_as_proxies_write_it(rf, behind_proxy, remote, forwarded, expected):
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_a_proxy_named_by_host_name_fails_loudly_at_start():
    result = manage("check", env={"TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"})

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network." in result.stderr
