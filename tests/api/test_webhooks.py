"""Webhooks as a subscriber sees them: a real HTTP server in a thread receives the deliveries of
events raised by the services (a help request the public sent, acknowledged at the desk)."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from bangfu.accounts.models import Membership
from bangfu.api.webhooks.delivery import MAX_ATTEMPTS
from bangfu.api.webhooks.models import WebhookAttempt, WebhookDelivery
from bangfu.api.webhooks.services import (
    webhook_deliveries_retry_overdue,
    webhook_subscription_create,
)
from bangfu.api.webhooks.tasks import deliver_webhook_task
from bangfu.celery import app
from bangfu.core import events
from bangfu.discovery.cross_area import identity_probing_alert
from bangfu.discovery.models import Flag
from bangfu.referrals.models import HelpRequest
from bangfu.referrals.public_intake import public_help_request_submit
from bangfu.referrals.services.help_requests import help_request_acknowledge
from bangfu.registry.identity import Probing
from tests.factories import UserFactory, member_of

# What the requester typed: none of it may leave in a delivery.
NAME, PHONE = "欧阳晓明", "13912345678"
STORY = "母亲卧床需要护理 身份证530428195001011234"
MARKERS = (NAME, PHONE, "530428195001011234", "卧床")


class Subscriber:
    """An HTTP server on a free local port that records each POST and answers ``status``."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                subscriber.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(subscriber.status)
                self.end_headers()
                self.wfile.write(b"received" if subscriber.status < 300 else b"busy, try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/bangfu-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def subscriber():
    server = Subscriber()
    yield server
    server.close()


@pytest.fixture
def desk_a(county_a, bureau):
    user = UserFactory(username="desk_a")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


def subscribe(manager, url, kinds=(events.HELP_REQUEST_STATUS_CHANGED,)):
    organisation = manager.memberships.get().organisation
    return webhook_subscription_create(
        by=manager, organisation=organisation, url=url, events=list(kinds)
    )


def help_request_in(county, desk, capture) -> HelpRequest:
    """A request sent from the public form in ``county``'s township, acknowledged by ``desk``."""
    _county, town, village = county
    with capture(execute=True):
        public_help_request_submit(
            name=NAME,
            phone=PHONE,
            township=town,
            village=village,
            description=STORY,
            consent=True,
        )
    help_request = HelpRequest.objects.latest("pk")
    with capture(execute=True):
        help_request_acknowledge(help_request=help_request, by=desk)
    return help_request


def time_comes(delivery: WebhookDelivery) -> None:
    """The time of the delivery's next attempt has come."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def verify(secret: str, received: dict) -> bool:
    headers = received["headers"]
    expected = hmac.new(
        secret.encode(),
        headers["X-Bangfu-Timestamp"].encode() + b"." + received["body"],
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(headers["X-Bangfu-Signature"], f"sha256={expected}")


def test_an_event_in_the_bureaus_area_is_delivered_signed_with_ids_only(
    county_a, manager, desk_a, subscriber, django_capture_on_commit_callbacks
):
    created = subscribe(manager, subscriber.url)

    help_request = help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)

    [received] = subscriber.received
    assert verify(created.secret, received)
    assert not verify("another secret", received)
    headers, body = received["headers"], json.loads(received["body"])
    assert headers["X-Bangfu-Event"] == "help_request.status_changed"
    assert headers["X-Bangfu-Delivery"] == body["id"]
    assert body["event"] == "help_request.status_changed"
    assert body["region"] == county_a[2].code
    assert body["data"]["help_request_id"] == help_request.pk
    assert body["data"]["status"] == "acknowledged"
    text = received["body"].decode()
    assert not [marker for marker in MARKERS if marker in text]
    delivery = WebhookDelivery.objects.get(uuid=body["id"])
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    [attempt] = delivery.attempt_log.all()
    assert (attempt.status_code, attempt.response) == (200, "received")


def test_an_event_of_another_county_is_not_delivered(
    county_a, county_b, manager, other_manager, desk_a, subscriber,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    subscribe(manager, subscriber.url)
    # County B's own manager subscribes too: the positive control of the same kind of event.
    other = Subscriber()
    try:
        subscribe(other_manager, other.url)
        desk_b = UserFactory(username="desk_b")
        member_of(desk_b, other_manager.memberships.get().organisation, "bureau_staff")

        help_request_in(county_b, desk_b, django_capture_on_commit_callbacks)

        assert subscriber.received == []
        [received] = other.received
        assert json.loads(received["body"])["region"] == county_b[2].code
        # And county A's event does reach county A's subscriber.
        help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
        assert len(subscriber.received) == 1
        assert len(other.received) == 1
    finally:
        other.close()


def test_an_event_not_chosen_is_not_delivered(
    county_a, manager, desk_a, subscriber, django_capture_on_commit_callbacks
):
    subscribe(manager, subscriber.url, kinds=[events.WARNING_RAISED])
    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    assert subscriber.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_server_error_is_logged_and_retried_with_growing_backoff(
    county_a, manager, desk_a, subscriber, client, django_capture_on_commit_callbacks
):
    subscribe(manager, subscriber.url)
    subscriber.status = 500

    # The desk's acknowledgement goes through: the subscriber's trouble is not the desk's.
    help_request = help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.ACKNOWLEDGED

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.attempts == 1
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response) == (500, "busy, try later")
    assert abs((delivery.next_attempt_at - attempt.at).total_seconds() - 60) < 1

    # What a worker does next: the task asks Celery to run it again later, later each time.
    app.conf.task_always_eager = False  # restored by tests/conftest.py
    for countdown in (4 * 60, 16 * 60):
        time_comes(delivery)
        with pytest.raises(Retry) as retry:
            deliver_webhook_task.apply(args=[delivery.pk])
        assert retry.value.when == countdown
    assert len(subscriber.received) == 3
    assert WebhookAttempt.objects.filter(delivery=delivery, status_code=500).count() == 3
    assert len({received["headers"]["X-Bangfu-Delivery"] for received in subscriber.received}) == 1
    # A retry queued twice (late, and again by the periodic pass) posts once.
    deliver_webhook_task.apply(args=[delivery.pk])
    assert len(subscriber.received) == 3

    # The manager reads the attempts on the subscription's page.
    client.force_login(manager)
    page = client.get(f"/staff/api/webhooks/{delivery.subscription_id}/").content.decode()
    assert page.count(">500<") == 3
    assert "busy, try later" in page

    # Then it is answered: delivered, and never posted again.
    subscriber.status = 204
    time_comes(delivery)
    assert deliver_webhook_task.apply(args=[delivery.pk]).state == "SUCCESS"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        WebhookDelivery.Status.DELIVERED,
        4,
        None,
    )
    time_comes(delivery)
    deliver_webhook_task.apply(args=[delivery.pk])
    assert len(subscriber.received) == 4


def test_in_the_embedded_mode_the_periodic_pass_makes_the_overdue_retries(
    county_a, manager, desk_a, subscriber, django_capture_on_commit_callbacks
):
    subscribe(manager, subscriber.url)
    subscriber.status = 429
    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    deliveries = WebhookDelivery.objects.filter(pk=delivery.pk)

    # Due a minute ago (a worker's own retry would be running now): left alone.
    deliveries.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=1))
    assert webhook_deliveries_retry_overdue() == 0
    # Overdue by more than the grace: made again.
    subscriber.status = 200
    deliveries.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=6))
    assert webhook_deliveries_retry_overdue() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 2)
    assert [attempt.status_code for attempt in delivery.attempt_log.all()] == [429, 200]


def test_a_delivery_gives_up_after_its_last_attempt_and_on_a_client_error(
    county_a, manager, desk_a, subscriber, django_capture_on_commit_callbacks
):
    subscribe(manager, subscriber.url)
    subscriber.status = 503
    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    for _attempt in range(MAX_ATTEMPTS - 1):
        time_comes(delivery)
        deliver_webhook_task.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.FAILED, MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert len(subscriber.received) == MAX_ATTEMPTS

    # A 404 will be a 404 next time: no retry.
    subscriber.status = 404
    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.latest("pk")
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.FAILED, 1)


def test_a_deactivated_subscription_gets_nothing(
    county_a, manager, desk_a, subscriber, client, django_capture_on_commit_callbacks
):
    created = subscribe(manager, subscriber.url)
    client.force_login(manager)
    response = client.post(f"/staff/api/webhooks/{created.subscription.pk}/deactivate/")
    assert response.status_code == 302

    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)

    assert subscriber.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_pending_retry_of_a_deactivated_subscription_is_cancelled(
    county_a, manager, desk_a, subscriber, django_capture_on_commit_callbacks
):
    created = subscribe(manager, subscriber.url)
    subscriber.status = 502
    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    created.subscription.is_active = False
    created.subscription.save(update_fields=["is_active"])

    delivery = WebhookDelivery.objects.get()
    time_comes(delivery)
    deliver_webhook_task.apply(args=[delivery.pk])

    assert len(subscriber.received) == 1
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.CANCELLED


def test_in_production_a_private_address_is_refused_at_creation_and_at_delivery(
    settings, county_a, manager, desk_a, subscriber, django_capture_on_commit_callbacks, in_english
):
    subscribe(manager, subscriber.url)  # made in the embedded mode, which allows it
    settings.PRODUCTION, settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True, False

    with pytest.raises(Exception, match="private network"):
        subscribe(manager, "https://127.0.0.1/hook")
    with pytest.raises(Exception, match="https"):
        subscribe(manager, "http://93.184.215.14/hook")
    # Positive control: a public address (a literal one: no name to resolve in the test; an
    # event it has not chosen, so nothing is posted to it).
    assert subscribe(manager, "https://93.184.215.14/hook", kinds=[events.WARNING_RAISED])

    help_request_in(county_a, desk_a, django_capture_on_commit_callbacks)
    assert subscriber.received == []
    refused = WebhookDelivery.objects.get(subscription__url=subscriber.url)
    assert refused.status == WebhookDelivery.Status.FAILED
    assert refused.attempt_log.get().error.startswith("refused:")


def test_a_warning_raised_in_the_area_is_delivered_without_its_evidence(
    county_a, county_b, manager, other_manager, desk_a, subscriber,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    subscribe(manager, subscriber.url, kinds=[events.WARNING_RAISED])
    other = Subscriber()
    try:
        subscribe(other_manager, other.url, kinds=[events.WARNING_RAISED])
        today = timezone.localdate()
        with django_capture_on_commit_callbacks(execute=True):
            identity_probing_alert(
                Probing(by=desk_a, day=today, refusals=30, threshold=20, area=county_a[2])
            )
        flag = Flag.objects.get()
        [received] = subscriber.received
        body = json.loads(received["body"])
        assert (body["event"], body["region"]) == ("warning.raised", county_a[0].code)
        assert body["data"] == {
            "warning_id": flag.pk,
            "rule": flag.rule,
            "household_id": None,
            "task_id": None,
            "fired_on": today.isoformat(),
        }
        assert "desk_a" not in received["body"].decode()
        assert other.received == []
    finally:
        other.close()
