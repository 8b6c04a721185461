"""Assessments of a household's situation, the needs they record, and ledger imports."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.choices import ChoiceLabels
from bangfu.core.models import FileImport
from bangfu.core.validators import (
    collect_error,
    validate_past_date,
    validate_text_length,
)
from bangfu.registry.models.categories import ServiceCategory
from bangfu.registry.models.households import (
    Household,
    KeepsHouseholdCounty,
    county_field,
    follow_household_county,
)


class AssessmentQuerySet(ScopedQuerySet):
    region_lookup = "household__region"


class Assessment(models.Model):
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="assessments", verbose_name=_("household")
    )
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="assessments",
        verbose_name=_("assessor"),
    )
    summary = models.TextField(_("summary of the visit"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.household} {self.assessed_on}"

    def clean(self) -> None:
        errors = {}
        collect_error(errors, "assessed_on", validate_past_date, self.assessed_on)
        collect_error(errors, "summary", validate_text_length, self.summary)
        if errors:
            raise ValidationError(errors)


class NeedQuerySet(KeepsHouseholdCounty):
    def open(self) -> "NeedQuerySet":
        return self.filter(status__in=Need.OPEN_STATUSES)


class Need(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MATCHED = "matched", _("matched")
        REFERRED = "referred", _("referred")
        IN_SERVICE = "in_service", _("in service")
        MET = "met", _("met")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("routine")
        SOON = "soon", _("within a week")
        URGENT = "urgent", _("urgent (48 hours)")
        EMERGENCY = "emergency", _("emergency (today)")

    OPEN_STATUSES = (Status.OPEN, Status.MATCHED)

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="needs", verbose_name=_("household")
    )
    assessment = models.ForeignKey(
        Assessment, models.CASCADE, related_name="needs", verbose_name=_("assessment")
    )
    category = models.ForeignKey(
        ServiceCategory,
        models.PROTECT,
        related_name="needs",
        verbose_name=_("service"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (mild) to 5 (critical)."),
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    preferred_times = models.CharField(
        _("preferred times"),
        max_length=100,
        blank=True,
        help_text=_(
            "In the household's words, e.g. 工作日上午, 周末, 周三下午. Days (周一 … 周日, 工作日, "
            "周末) and parts of the day (上午, 下午, 晚上) named here limit the volunteers "
            "proposed to those free then."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    # The household's county (``Household.county``), set by ``save`` and ``bulk_create`` and
    # kept when the household moves: a county's intake desk reads its open needs in the
    # desk's order from one index that begins with it (migration
    # ``referrals.0014_need_county_desk_order``), not the province's. Who may see a need is
    # still decided by the village's path (``NeedQuerySet.for_user``).
    county = county_field()
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    priority = models.DecimalField(
        _("priority"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    priority_components = models.JSONField(_("priority components"), default=dict, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-priority", "opened_on"]
        indexes = [models.Index(fields=["status", "-priority"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=5), name="need_severity_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.category}"

    def save(self, **kwargs) -> None:
        """Saves the need with its household's county."""
        follow_household_county(self, kwargs)
        super().save(**kwargs)

    def clean(self) -> None:
        errors = {}
        # Its dates are the visit's and the day it closed: set by the services, not typed.
        collect_error(errors, "notes", validate_text_length, self.notes)
        if errors:
            raise ValidationError(errors)


class LedgerImport(FileImport):
    """The audit trail of one ledger (台账) import: who brought which file in, and what came of it.

    Written in the same transaction as the households and members it created or updated; a
    refused file is recorded too (nothing else is written then). Dry runs are not recorded.
    """

    households_created = models.PositiveIntegerField(_("households created"), default=0)
    members_created = models.PositiveIntegerField(_("members created"), default=0)
    households_updated = models.PositiveIntegerField(_("households updated"), default=0)
    members_updated = models.PositiveIntegerField(_("members updated"), default=0)
    # Status changes the file made, each a confirmed ``StatusDecision`` naming this import.
    decisions_recorded = models.PositiveIntegerField(_("decisions recorded"), default=0)

    class Meta(FileImport.Meta):
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self) -> str:
        return f"{self.file_name} · {self.imported_at:%Y-%m-%d %H:%M}"
