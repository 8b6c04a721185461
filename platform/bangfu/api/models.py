"""API tokens and the service accounts they may belong to.

A token is stored as the SHA-256 of its secret: the secret is shown once, at creation, and
nothing kept here lets anyone rebuild it. ``prefix`` (the first characters of the secret, too
few to guess the rest from) names the token in lists and in the audit log.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation


class ServiceAccount(models.Model):
    """Another system's account in an organisation (the 12349 hotline's, the benefits
    system's): a user with no usable password and one membership, made by the organisation's
    bureau manager, who keeps its tokens. It logs in only with a token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="service_account",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        related_name="service_accounts",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        ordering = ["organisation", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("read")
        READ_WRITE = "read_write", _("read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="bearer_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        """Neither revoked nor expired: whether a request may present it."""
        return self.revoked_at is None and not self.is_expired

    @property
    def writes(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


# Django finds an app's models in its models module; the webhooks' live in their package.
from bangfu.api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription  # noqa: E402, F401
