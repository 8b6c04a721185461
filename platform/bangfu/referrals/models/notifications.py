"""In-app notifications to staff and providers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.referrals.models.referrals import Referral


class Notification(models.Model):
    """An in-app message (and an e-mail) to one user. Messages carry no personal data."""

    class Kind(models.TextChoices):
        NEW_REFERRAL = "new_referral", _("new referral")
        ACCEPTED = "accepted", _("referral accepted")
        DECLINED = "declined", _("referral declined")
        OVERDUE = "overdue", _("referral overdue")
        ESCALATED = "escalated", _("overdue referral escalated")
        REROUTED = "rerouted", _("referral re-routed")
        NO_CANDIDATE = "no_candidate", _("no provider found")
        COMPLETED = "completed", _("service completed")
        CLOSED = "closed", _("closed without service")
        REVOKED = "revoked", _("referral revoked")
        # Sent by procurement through bangfu.core.notices: a filing (备案) and its answers.
        FILING_SENT = "filing_sent", _("filing (备案) received")
        FILING_RETURNED = "filing_returned", _("filing (备案) returned")
        FILING_ACKNOWLEDGED = "filing_acknowledged", _("filing (备案) acknowledged")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    referral = models.ForeignKey(
        Referral,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("referral"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message
