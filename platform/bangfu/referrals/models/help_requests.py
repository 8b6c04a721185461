"""Public help requests (一键求助): the receipt, the desk's calls and the texts to the requester."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import scope_for
from bangfu.referrals.models.intake import IntakeCase
from bangfu.regions.models import Region


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
