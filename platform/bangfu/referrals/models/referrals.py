"""Referrals (转介) to providers, their events, the sessions of service and the feedback."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.lifecycle import Lifecycle
from bangfu.providers.models import Provider
from bangfu.referrals.models.intake import IntakeCase
from bangfu.registry.models import Need, ServiceCategory


def overdue_q(now=None) -> Q:
    """Sent and not answered by the accept deadline, or accepted and not yet served in time (a
    filter, also for counting them among other aggregates)."""
    now = now or timezone.now()
    return Q(status=Referral.Status.SENT, accept_due_at__lt=now) | Q(
        status=Referral.Status.ACCEPTED, service_due_at__lt=now
    )


class ReferralQuerySet(ScopedQuerySet):
    region_lookup = "need__household__region"

    def live(self) -> "ReferralQuerySet":
        return self.filter(status__in=Referral.LIVE)

    def holding(self) -> "ReferralQuerySet":
        return self.filter(status__in=Referral.HOLDING)

    def for_provider(self, provider_id: int) -> "ReferralQuerySet":
        return self.filter(provider_id=provider_id)

    def overdue(self, now=None) -> "ReferralQuerySet":
        return self.filter(overdue_q(now))


class Referral(Lifecycle):
    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        IN_SERVICE = "in_service", _("in service")
        COMPLETED = "completed", _("completed")
        CLOSED = "closed", _("closed without service")
        REVOKED = "revoked", _("revoked")

    class DeclineReason(models.TextChoices):
        FULL = "full", _("no capacity at the moment")
        OUTSIDE_AREA = "outside_area", _("outside our service area")
        NOT_OFFERED = "not_offered", _("we do not offer this service")
        NO_SKILLS = "no_skills", _("no one with the skills needed")
        SAFETY = "safety", _("safety concern")
        CONFLICT = "conflict", _("conflict of interest")
        OTHER = "other", _("other reason")

    class CloseReason(models.TextChoices):
        HOUSEHOLD_REFUSED = "household_refused", _("the household refused the service")
        UNREACHABLE = "unreachable", _("the household could not be reached")
        MOVED_AWAY = "moved_away", _("the household moved away")
        DECEASED = "deceased", _("the person died")
        RESOLVED_OTHERWISE = "resolved_otherwise", _("the need was met another way")
        CANNOT_SERVE = "cannot_serve", _("we cannot provide this service")
        OTHER = "other", _("other reason")

    LIVE = (Status.SENT, Status.ACCEPTED, Status.IN_SERVICE)
    # Statuses that hold one of the provider's capacity slots.
    HOLDING = (Status.ACCEPTED, Status.IN_SERVICE)
    # The provider turned the need down or let it lapse: the engine leaves it out next time.
    REFUSED = (Status.DECLINED, Status.EXPIRED)
    TRANSITIONS = {
        Status.SENT: {Status.ACCEPTED, Status.DECLINED, Status.EXPIRED, Status.REVOKED},
        Status.ACCEPTED: {Status.IN_SERVICE, Status.CLOSED, Status.EXPIRED, Status.REVOKED},
        Status.IN_SERVICE: {Status.COMPLETED, Status.CLOSED, Status.REVOKED},
    }

    intake = models.ForeignKey(
        IntakeCase, models.PROTECT, related_name="referrals", verbose_name=_("intake case")
    )
    need = models.ForeignKey(Need, models.PROTECT, related_name="referrals", verbose_name=_("need"))
    provider = models.ForeignKey(
        Provider, models.PROTECT, related_name="referrals", verbose_name=_("provider")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT
    )
    rank = models.PositiveSmallIntegerField(_("rank among candidates"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    score_components = models.JSONField(_("score components"), default=dict, blank=True)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    slot = models.PositiveSmallIntegerField(_("capacity slot"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    accept_due_at = models.DateTimeField(_("answer due"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    service_due_at = models.DateTimeField(_("first service due"), null=True, blank=True)
    first_service_on = models.DateField(_("first service on"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=24, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("declining: details"), blank=True)
    close_reason = models.CharField(
        _("reason for closing without service"),
        max_length=24,
        choices=CloseReason.choices,
        blank=True,
    )
    outcome_note = models.TextField(_("outcome"), blank=True)
    note_to_provider = models.TextField(
        _("note to the provider"),
        blank=True,
        help_text=_(
            "What the desk wants the provider to know: how to reach the household, what to bring."
        ),
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "accept_due_at"]),
            models.Index(fields=["status", "service_due_at"]),
        ]
        constraints = [
            # A slot is held only while accepted or in service (``transition`` frees it on the
            # way out). That a referral to a station or volunteer holds one whenever it is
            # accepted or in service, and one to a project never does, depends on the provider's
            # kind, which a check constraint cannot see: ``referral_accept`` takes a slot for
            # the kinds that hold slots (``ProviderKind.holds_slots``) under the provider's row
            # lock, and the unique index below refuses a second referral in the same slot.
            models.CheckConstraint(
                condition=Q(slot__isnull=True)
                | Q(status__in=["accepted", "in_service"], slot__gte=1),
                name="referral_slot_only_while_holding",
            ),
            models.UniqueConstraint(
                fields=["provider", "slot"],
                condition=Q(slot__isnull=False),
                name="referral_provider_slot_unique",
            ),
            # A need is with one provider at a time.
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(status__in=["sent", "accepted", "in_service"]),
                name="referral_one_live_per_need",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return _("Referral %(number)s") % {"number": self.pk}

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status == self.Status.SENT:
            return self.accept_due_at < now
        if self.status == self.Status.ACCEPTED and self.service_due_at:
            return self.service_due_at < now
        return False

    def transition(self, *, to: str, by, at, reason: str = "", note: str = "") -> "ReferralEvent":
        """Move to ``to`` if the lifecycle allows it, and record who did it, when and why.

        Leaving a holding status frees the capacity slot. Every field is saved: the services
        set the deadlines and the slot of the move before they call it.
        """
        fields = {"accepted_at": at} if to == self.Status.ACCEPTED else {}
        if to not in self.HOLDING:
            fields["slot"] = None
        if to not in self.LIVE:
            fields["ended_at"] = at
        return self.move(
            to=to, by=by, at=at, reason=reason, note=note, fields=fields, save_all=True, action=to
        )


class ReferralEvent(models.Model):
    """One row per transition (and per escalation or feedback): who, when, why."""

    class Action(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        IN_SERVICE = "in_service", _("first service")
        COMPLETED = "completed", _("completed")
        CLOSED = "closed", _("closed without service")
        REVOKED = "revoked", _("revoked")
        ESCALATED = "escalated", _("overdue: provider reminded, township alerted")
        FEEDBACK = "feedback", _("household feedback recorded")

    referral = models.ForeignKey(
        Referral, models.CASCADE, related_name="events", verbose_name=_("referral")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(
        _("from"), max_length=16, choices=Referral.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=16, choices=Referral.Status.choices, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty: the platform's deadline check."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def reason_label(self) -> str:
        for choices in (Referral.DeclineReason, Referral.CloseReason):
            if self.reason in choices.values:
                return choices(self.reason).label
        return self.reason


class ServiceSession(models.Model):
    """One session of service on a referral (a visit, an escort, a counselling hour)."""

    referral = models.ForeignKey(
        Referral, models.CASCADE, related_name="sessions", verbose_name=_("referral")
    )
    held_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    category = models.ForeignKey(
        ServiceCategory,
        models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    provided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("provided by")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # What the session counted in the provider kind's own records (a procured project's
    # delivery against its line), by that record's primary key: the kind describes it.
    delivery_record = models.PositiveBigIntegerField(
        _("record of what was delivered"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("service session")
        verbose_name_plural = _("service sessions")
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=24 * 60),
                name="session_duration_5_minutes_to_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.held_on}"


class Feedback(models.Model):
    """The household's word on a service (满意度), recorded by staff after it ended."""

    referral = models.OneToOneField(
        Referral, models.CASCADE, related_name="feedback", verbose_name=_("referral")
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (very dissatisfied) to 5 (very satisfied)."),
    )
    comments = models.TextField(_("comments"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("household feedback")
        verbose_name_plural = _("household feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                name="feedback_satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.satisfaction}/5"
