"""Webhook subscriptions, kept by their bureau's manager, and the deliveries an event makes.

A subscription hears of an event only when the event's region lies within its bureau's region:
what it is sent is what the bureau's own staff may read of that area (ids, statuses, codes,
times: ``bangfu.core.events`` lets no more into a payload).
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.scoping import holds_membership
from bangfu.api.service_accounts import managed_organisations
from bangfu.api.webhooks.delivery import RETRY_GRACE, check_destination
from bangfu.api.webhooks.models import WebhookDelivery, WebhookSubscription
from bangfu.api.webhooks.tasks import deliver_webhook_task
from bangfu.core.audit import log_created
from bangfu.core.events import KINDS, Event
from bangfu.regions.models import path_and_above

RECENT_DELIVERIES = 50


@dataclass(frozen=True)
class CreatedSubscription:
    subscription: WebhookSubscription
    # Shown once, on the page that answers the creation.
    secret: str


def webhook_organisations(user) -> QuerySet[Organisation]:
    """The bureaux whose webhooks ``user`` keeps: those they manage."""
    return managed_organisations(user).filter(kind=Organisation.Kind.BUREAU)


def subscriptions_for(user) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(
        organisation__in=webhook_organisations(user)
    ).select_related("organisation", "created_by")


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's latest deliveries, each with its attempts."""
    return subscription.deliveries.prefetch_related("attempt_log")[:RECENT_DELIVERIES]


def _require_manager(by, organisation: Organisation) -> None:
    if organisation.kind != Organisation.Kind.BUREAU or not holds_membership(
        by, [Membership.Role.BUREAU_MANAGER], organisation
    ):
        raise PermissionDenied(_("Only a bureau's manager keeps its webhooks."))


@transaction.atomic
def webhook_subscription_create(
    *, by, organisation: Organisation, url: str, events: list[str]
) -> CreatedSubscription:
    """A new subscription of ``organisation`` to ``events`` at ``url``, with a new secret."""
    _require_manager(by, organisation)
    check_destination(url)
    unknown = set(events) - set(KINDS)
    if not events or unknown:
        raise ValidationError({"events": _("Choose at least one event from the list.")})
    secret = secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        organisation=organisation,
        url=url,
        events=sorted(set(events)),
        secret=secret,
        created_by=by,
    )
    subscription.full_clean()
    subscription.save()
    log_created([subscription], actor=by, additional_data={"by": "webhook_subscription_create"})
    return CreatedSubscription(subscription, secret)


@transaction.atomic
def webhook_subscription_deactivate(*, by, subscription: WebhookSubscription) -> None:
    """Stop the subscription: no new deliveries, and its pending retries are cancelled when
    they come up."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(by, subscription.organisation)
    if not subscription.is_active:
        return
    subscription.is_active = False
    subscription.deactivated_by, subscription.deactivated_at = by, timezone.now()
    subscription.save(update_fields=["is_active", "deactivated_by", "deactivated_at"])
    LogEntry.objects.log_create(
        subscription,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        actor=by,
        additional_data={"by": "webhook_subscription_deactivate"},
    )


def deliveries_create(event: Event) -> list[WebhookDelivery]:
    """The listener of ``bangfu.core.events``: one delivery per active subscription to the
    event whose bureau's region holds the event's region, each posted by a task."""
    subscriptions = WebhookSubscription.objects.filter(
        is_active=True,
        organisation__is_active=True,
        organisation__region__path__in=path_and_above(event.region_path),
    )
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            event=event.name,
            region_code=event.region_code,
            payload=event.payload,
            occurred_at=event.occurred_at,
        )
        for subscription in subscriptions
        if event.name in subscription.events
    ]
    for delivery in deliveries:
        deliver_webhook_task.delay_on_commit(delivery.pk)
    return deliveries


def webhook_deliveries_retry_overdue(*, now: dt.datetime | None = None) -> int:
    """Queue again the deliveries whose retry is overdue by more than the grace: Celery's own
    retry was lost (or, in the embedded mode, never queued). Returns how many."""
    due = (now or timezone.now()) - RETRY_GRACE
    overdue = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.RETRYING, next_attempt_at__lte=due
        ).values_list("pk", flat=True)
    )
    for delivery_id in overdue:
        deliver_webhook_task.delay(delivery_id)
    return len(overdue)
