"""One intake desk (一门受理) and the referrals (转介) it hands to providers.

An intake case is opened on a household's need, or on a call (hotline 12349, the public help form)
before any need is recorded. It is routed to one provider at a time: each attempt is a
``Referral``, and every change of a referral's status leaves a ``ReferralEvent`` saying who, when
and why. A referral's provider is a ``providers.Provider`` (a station, a volunteer, a procured
project; charity offers are allocated in their own app). What is special about each kind is
asked of the kind registered in ``bangfu.providers.kinds``, never of the app behind it.

Capacity is never a stored counter: a provider whose kind holds slots (a station, a volunteer)
has as open cases its referrals that hold a capacity slot (accepted or in service), and a unique
index on (provider, slot) stops two of them from holding the same slot. A kind that serves a
quota of households instead (a procured project) holds no slot: its quota is counted from the
households in its care and those its own records say it served, under the provider's row lock
(a household with two needs takes one place).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet, scope_for
from bangfu.core.fields import EncryptedTextField, LookupHashField
from bangfu.core.lifecycle import Lifecycle
from bangfu.core.masking import mask_name, mask_phone
from bangfu.core.phones import phone_lookup_hash
from bangfu.core.validators import normalise_phone
from bangfu.providers.models import Provider
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Need, ServiceCategory


def normalise_phone_of(field: str, raw: str) -> str:
    """The registry's phone rule (``bangfu.core.validators``), refused on the form's ``field``:
    the desk's ``caller_phone``, the help form's ``phone``."""
    try:
        return normalise_phone(raw)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


class IntakeCaseQuerySet(ScopedQuerySet):
    region_lookup = "region"

    def waiting(self) -> "IntakeCaseQuerySet":
        return self.filter(status=IntakeCase.Status.OPEN)


class IntakeCase(models.Model):
    class Source(models.TextChoices):
        VISIT = "visit", _("home visit")
        PUBLIC_FORM = "public_form", _("public help form")
        HOTLINE = "hotline", _("hotline 12349")
        WALK_IN = "walk_in", _("walk-in (窗口来访)")

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a provider")
        REFERRED = "referred", _("referred")
        CLOSED = "closed", _("closed")

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="intake_cases",
        verbose_name=_("place"),
        help_text=_("The household's village, or the township while no household is known."),
    )
    # Known once the caller is found in the registry (or registered); always the need's.
    household = models.ForeignKey(
        Household,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="intake_cases",
        verbose_name=_("household"),
    )
    need = models.ForeignKey(
        Need,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="intake_cases",
        verbose_name=_("need"),
    )
    # A caller not (yet) in the registry is recorded as a person: encrypted like the household's
    # phone, and found again by the phone's keyed hash once a household with it is registered.
    caller_name = EncryptedTextField(_("caller's name"), max_length=50, blank=True)
    caller_phone = EncryptedTextField(_("caller's phone"), max_length=20, blank=True)
    caller_phone_hash = LookupHashField(
        source="caller_phone", digest=phone_lookup_hash, db_index=True
    )
    # Encrypted: the help form writes the caller's name and phone number into it.
    description = EncryptedTextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # Empty only for a case the public opened from the help form: no member of staff did.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # What the matching engine found the last time the case was routed: the dashboard's
    # "needs without any candidate" reads it instead of ranking every need again.
    candidate_count = models.PositiveSmallIntegerField(_("candidates found"), null=True, blank=True)
    candidates_checked_at = models.DateTimeField(_("candidates checked at"), null=True, blank=True)

    objects = IntakeCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("intake case")
        verbose_name_plural = _("intake cases")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(need__isnull=False) & ~Q(status="closed"),
                name="intake_one_open_case_per_need",
            ),
            models.CheckConstraint(
                condition=Q(need__isnull=False) | ~Q(description=""),
                name="intake_has_need_or_description",
            ),
            models.CheckConstraint(
                condition=Q(opened_by__isnull=False) | Q(source="public_form"),
                name="intake_opened_by_staff_unless_public",
            ),
            # ``save`` fills the household from the need; the services check they agree.
            models.CheckConstraint(
                condition=Q(need__isnull=True) | Q(household__isnull=False),
                name="intake_need_has_household",
            ),
        ]

    def __str__(self) -> str:
        return _("Intake case %(number)s") % {"number": self.pk}

    def save(self, *args, **kwargs):
        if self.need_id is not None and self.household_id is None:
            self.household_id = self.need.household_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "household"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.caller_phone:
            self.caller_phone = normalise_phone_of("caller_phone", self.caller_phone)

    @property
    def masked_caller_name(self) -> str:
        return mask_name(self.caller_name)

    @property
    def masked_caller_phone(self) -> str:
        """What a page shows of the caller's phone to a role that may not reveal it."""
        return mask_phone(self.caller_phone)

    @property
    def township(self) -> Region:
        return self.region if self.region.level == Region.Level.TOWNSHIP else self.region.parent


class ReferralQuerySet(ScopedQuerySet):
    region_lookup = "need__household__region"

    def live(self) -> "ReferralQuerySet":
        return self.filter(status__in=Referral.LIVE)

    def holding(self) -> "ReferralQuerySet":
        return self.filter(status__in=Referral.HOLDING)

    def for_provider(self, provider_id: int) -> "ReferralQuerySet":
        return self.filter(provider_id=provider_id)

    def overdue(self, now=None) -> "ReferralQuerySet":
        """Sent and not answered by the accept deadline, or accepted and not yet served in time."""
        now = now or timezone.now()
        return self.filter(
            Q(status=Referral.Status.SENT, accept_due_at__lt=now)
            | Q(status=Referral.Status.ACCEPTED, service_due_at__lt=now)
        )


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


class HelpRequestQuerySet(models.QuerySet):
    def for_user(self, user) -> "HelpRequestQuerySet":
        """The requests whose case lies in the user's area, as the case's own scoping reads
        it: the township's desk (bureau staff of the township or above) reads every request of
        the township, whose households alone the case may be linked to; an assistant those
        whose case is in one of their villages, the village named or, once it is linked, the
        household's. Whoever no longer holds the case neither reads nor triages its request."""
        scope = scope_for(user)
        if scope.everything:
            return self.all()
        if scope.is_empty:
            return self.none()
        return self.filter(scope.region_q("intake__region"))

    def waiting(self) -> "HelpRequestQuerySet":
        """Not yet acknowledged by anyone."""
        return self.filter(status=HelpRequest.Status.NEW)


class HelpRequest(models.Model):
    """A public help request (一键求助): the receipt the requester holds (tracking code, a keyed
    hash of the phone number to check a status query against) and the desk's triage of it.

    The name, phone and story are in the intake case it opened, which only staff read. What the
    public status page says is derived from this row and the case's referrals
    (``referrals.public_intake``), so it never runs ahead of what a person did.
    """

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        CLOSED = "closed", _("closed")

    class CloseReason(models.TextChoices):
        SERVED = "served", _("served")
        OTHER_DEPARTMENT = "other_department", _("referred to another department (转办)")
        NOT_ELIGIBLE = "not_eligible", _("not eligible")
        DUPLICATE = "duplicate", _("duplicate of another request")
        UNREACHABLE = "unreachable", _("could not be reached")

    class Department(models.TextChoices):
        MEDICAL_INSURANCE = "medical_insurance", _("medical insurance bureau (医保)")
        EDUCATION = "education", _("education bureau (教育)")
        HOUSING = "housing", _("housing and urban-rural development bureau (住建)")
        HUMAN_RESOURCES = "human_resources", _("human resources and social security bureau (人社)")
        DISABLED_PERSONS = "disabled_persons", _("disabled persons' federation (残联)")

    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    township = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name=_("township"),
        limit_choices_to={"level": Region.Level.TOWNSHIP},
    )
    # As the requester named it: a place to start from, not a verified address.
    village = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village named by the requester"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    intake = models.OneToOneField(
        IntakeCase, models.PROTECT, related_name="help_request", verbose_name=_("intake case")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    consented_at = models.DateTimeField(_("consent to be contacted given at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_reason = models.CharField(
        _("reason for closing"), max_length=24, choices=CloseReason.choices, blank=True
    )
    close_details = models.TextField(_("closing: details"), blank=True)
    # Referred to another department: which one; not eligible: where to apply instead.
    department = models.CharField(
        _("department"), max_length=24, choices=Department.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) & ~Q(close_reason="")
                | ~Q(status="closed") & Q(close_reason=""),
                name="help_request_closed_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="new") | Q(acknowledged_at__isnull=False),
                name="help_request_acknowledged_when_handled",
            ),
            models.CheckConstraint(
                condition=~Q(close_reason="other_department") | ~Q(department=""),
                name="help_request_transfer_names_department",
            ),
            models.CheckConstraint(
                condition=~Q(close_reason="duplicate") | Q(duplicate_of__isnull=False),
                name="help_request_duplicate_names_original",
            ),
        ]

    def __str__(self) -> str:
        return _("Help request %(code)s") % {"code": self.display_code}

    @property
    def display_code(self) -> str:
        """The code as it is read out: ``K7QM-3XPA``."""
        return f"{self.code[:4]}-{self.code[4:]}"


class ContactAttempt(models.Model):
    """One call (or visit) to reach a requester: when, by whom, whether they were reached."""

    help_request = models.ForeignKey(
        HelpRequest,
        models.CASCADE,
        related_name="contact_attempts",
        verbose_name=_("help request"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reached = models.BooleanField(_("reached"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.help_request_id} {self.at:%Y-%m-%d %H:%M}"


class RequesterMessage(models.Model):
    """A short message telling the requester that their request reached a step: at most one per
    step, so the task that sends it is safe to run twice. The text holds the tracking code and
    the step, no personal data; the number is read from the intake case when it is sent."""

    help_request = models.ForeignKey(
        HelpRequest, models.CASCADE, related_name="messages", verbose_name=_("help request")
    )
    step = models.CharField(_("step"), max_length=16)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("message to a requester")
        verbose_name_plural = _("messages to requesters")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["help_request", "step"], name="requester_message_one_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.help_request_id} {self.step}"
