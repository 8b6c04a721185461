"""A bureau's webhook subscriptions, the deliveries made to them and each attempt's answer.

The secret signs every delivery (HMAC-SHA256): it is shown once, at creation, and stored
encrypted with the field cipher, since signing needs it back in clear (unlike a token's secret,
which is only compared and so kept as a hash).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.core.fields import EncryptedTextField


class WebhookSubscription(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        related_name="webhook_subscriptions",
        verbose_name=_("organisation"),
        limit_choices_to={"kind": Organisation.Kind.BUREAU},
    )
    url = models.URLField(_("URL"), max_length=500)
    # Names of bangfu.core.events.KINDS.
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(_("secret"), editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deactivated by"),
    )
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-is_active", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: the payload as sent, however many attempts it takes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RETRYING = "retrying", _("waiting to retry")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled (subscription deactivated)")

    FINAL = frozenset({Status.DELIVERED, Status.FAILED, Status.CANCELLED})

    subscription = models.ForeignKey(
        WebhookSubscription,
        models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=40)
    region_code = models.CharField(_("region code"), max_length=12)
    payload = models.JSONField(_("payload"), default=dict)
    occurred_at = models.DateTimeField(_("occurred at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} {self.uuid}"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came back: a status code and the answer's beginning, or
    the network error; how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response = models.TextField(_("response (beginning)"), blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"{self.delivery} #{self.number}"
