"""The intake desk's cases (一门受理): opened on a need, a caller or a public help request."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.choices import ChoiceLabels
from bangfu.core.fields import EncryptedTextField, LookupHashField
from bangfu.core.masking import mask_name, mask_phone
from bangfu.core.phones import phone_lookup_hash
from bangfu.core.validators import normalise_phone
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Need

# The rank of a case with no need in the desk's order: after the four urgencies
# (``selectors.order.URGENCY_ORDER``).
NO_URGENCY_RANK = 4


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


class IntakeCase(ChoiceLabels, models.Model):
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
    # The case's number in the system that opened it through the API (the 12349 hotline's
    # work-order number): the same reference from the same account opens no second case.
    reference = models.CharField(_("reference in the other system"), max_length=64, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # What the matching engine found the last time the case was routed: the dashboard's
    # "needs without any candidate" reads it instead of ranking every need again.
    candidate_count = models.PositiveSmallIntegerField(_("candidates found"), null=True, blank=True)
    candidates_checked_at = models.DateTimeField(_("candidates checked at"), null=True, blank=True)
    # What the desk's two lists sort by, kept on the case by the writes of the case, its need
    # and its referrals (``referrals.desk_order``), never by ``save``: the need's urgency as
    # ``selectors.urgency_rank`` ranks it, the need's priority, and the deadline the live
    # referral waits on (``selectors.current_due``).
    urgency_rank = models.PositiveSmallIntegerField(
        _("urgency rank"), default=NO_URGENCY_RANK, editable=False
    )
    need_priority = models.DecimalField(
        _("priority of the need"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    due_at = models.DateTimeField(_("referral due"), null=True, blank=True, editable=False)

    objects = IntakeCaseQuerySet.as_manager()

    ORDER_FIELDS = ("urgency_rank", "need_priority", "due_at")

    class Meta:
        verbose_name = _("intake case")
        verbose_name_plural = _("intake cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            # The desk's lists and to-dos: the cases in one status, the longest waiting first.
            models.Index(fields=["status", "opened_at"], name="intake_status_opened"),
            # The referred cases in the desk's order (``selectors.referred_cases``); the waiting
            # ones' order has the priority DESC NULLS LAST, which SQLite refuses in an index:
            # migration 0013's PostgreSQL-only intake_waiting_order.
            models.Index(
                fields=["urgency_rank", "due_at", "opened_at", "id"],
                condition=Q(status="referred"),
                name="intake_referred_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(need__isnull=False) & ~Q(status="closed"),
                name="intake_one_open_case_per_need",
            ),
            models.UniqueConstraint(
                fields=["opened_by", "reference"],
                condition=~Q(reference=""),
                name="intake_one_case_per_reference",
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
        """Saves the case; the desk's order stays as the writes of ``referrals.desk_order`` left
        it (an object loaded before one of those is not stale)."""
        if self.need_id is not None and self.household_id is None:
            self.household_id = self.need.household_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "household"}
        if (
            kwargs.get("update_fields") is None
            and not self._state.adding
            and not kwargs.get("force_insert")
        ):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.ORDER_FIELDS
            ]
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
