"""The webhook pages: a bureau's manager keeps its subscriptions; nobody else does."""

import pytest
from django.db import connection

from bangfu.api.webhooks.models import WebhookSubscription
from bangfu.api.webhooks.services import webhook_subscription_create
from bangfu.core import events

URL = "https://hotline.example.gov.cn/bangfu-events"


def new_subscription(client, bureau):
    return client.post(
        "/staff/api/webhooks/",
        {
            "organisation": bureau.pk,
            "url": URL,
            "events": [events.REFERRAL_SENT, events.HELP_REQUEST_STATUS_CHANGED],
        },
    )


@pytest.fixture
def subscription(manager, bureau):
    return webhook_subscription_create(
        by=manager, organisation=bureau, url=URL, events=[events.WARNING_RAISED]
    ).subscription


def test_a_manager_subscribes_and_reads_the_secret_once(english_client, manager, bureau):
    english_client.force_login(manager)
    assert english_client.get("/staff/api/webhooks/").status_code == 200

    response = new_subscription(english_client, bureau)

    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["help_request.status_changed", "referral.sent"]
    assert subscription.secret in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # Never again: the list shows the URL, not the secret.
    listing = english_client.get("/staff/api/webhooks/").content.decode()
    assert URL in listing
    assert subscription.secret not in listing


def test_the_secret_is_stored_encrypted(manager, bureau, subscription):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM api_webhooksubscription WHERE id = %s", [subscription.pk]
        )
        [stored] = cursor.fetchone()
    assert stored and subscription.secret not in stored


def test_a_station_user_and_bureau_staff_are_refused(client, station_staff, staff, manager, bureau):
    for user in (station_staff, staff):
        client.force_login(user)
        assert client.get("/staff/api/webhooks/").status_code == 403
        assert new_subscription(client, bureau).status_code == 403
    assert not WebhookSubscription.objects.exists()
    # Positive control: the bureau's manager.
    client.force_login(manager)
    assert new_subscription(client, bureau).status_code == 200
    assert WebhookSubscription.objects.count() == 1


def test_another_countys_manager_neither_reads_nor_deactivates_it(
    client, other_manager, manager, subscription
):
    client.force_login(other_manager)
    assert client.get(f"/staff/api/webhooks/{subscription.pk}/").status_code == 404
    response = client.post(f"/staff/api/webhooks/{subscription.pk}/deactivate/")
    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.is_active
    assert URL not in client.get("/staff/api/webhooks/").content.decode()
    # Positive control: its own manager.
    client.force_login(manager)
    assert client.get(f"/staff/api/webhooks/{subscription.pk}/").status_code == 200
    response = client.post(f"/staff/api/webhooks/{subscription.pk}/deactivate/")
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_a_manager_cannot_subscribe_for_another_bureau(
    english_client, manager, other_manager, bureau
):
    other_bureau = other_manager.memberships.get().organisation
    english_client.force_login(manager)
    response = new_subscription(english_client, other_bureau)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_navigation_leads_managers_only_to_the_webhooks(client, manager, staff):
    client.force_login(staff)
    assert "/staff/api/webhooks/" not in client.get("/staff/start/").content.decode()
    client.force_login(manager)
    assert "/staff/api/webhooks/" in client.get("/staff/start/").content.decode()
