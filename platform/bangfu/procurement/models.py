"""Purchased social-assistance services (政府购买社会救助服务): funds, the cap, the catalogue,
projects, their ledger and deliveries, and performance evaluation (绩效评价).

The cap is kept by one ``ProcurementCap`` row per region and year: services lock it before they
commit money and a check constraint refuses any committed total above the cap, so the rule holds
even against code that forgets the lock.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.procurement.agencies import AgencyRegistration, serves  # noqa: F401 (a model)
from bangfu.regions.models import Region
from bangfu.registry.models import Household, ServiceCategory, Tier

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Round to the fen (0.01 yuan), half up, as a bank statement would."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        **kwargs,
    )


class FundingSource(models.TextChoices):
    WORK_FUNDS = "work_funds", _("social-assistance work funds")
    SUBSIDY = "subsidy", _("assistance subsidy funds (困难群众救助补助资金)")
    OTHER = "other", _("other funds")


class Fund(models.Model):
    """Assistance funds of one source for a region and year: the budget and what was spent."""

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="funds", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=16, choices=FundingSource.choices)
    budget_amount = money_field(_("budget (yuan)"))
    spent_amount = money_field(_("actual spending (yuan)"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("assistance fund")
        verbose_name_plural = _("assistance funds")
        ordering = ["region__path", "-year", "source"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "source"], name="fund_unique"),
            models.CheckConstraint(
                condition=Q(budget_amount__gte=0, spent_amount__gte=0), name="fund_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.get_source_display()}"


class ProcurementCapQuerySet(ScopedQuerySet):
    region_lookup = "region"


class ProcurementCap(models.Model):
    """The purchase cap of a region and year and what is committed against it.

    This row is the lock: every commitment selects it FOR UPDATE and moves ``committed_total``
    with F() in the same transaction; the check constraint is the last line of defence.
    """

    class Base(models.TextChoices):
        BUDGET = "budget", _("assistance fund budget")
        SPENDING = "spending", _("actual assistance spending")

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="procurement_caps", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    cap_pct = models.DecimalField(_("cap (%)"), max_digits=6, decimal_places=3, default=ZERO)
    base = models.CharField(_("base"), max_length=16, choices=Base.choices, default=Base.BUDGET)
    base_amount = money_field(_("base amount (yuan)"))
    cap_amount = money_field(_("cap (yuan)"))
    committed_total = money_field(_("committed (yuan)"))
    paid_total = money_field(_("paid (yuan)"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProcurementCapQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement cap")
        verbose_name_plural = _("procurement caps")
        ordering = ["region__path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="procurement_cap_unique"),
            models.CheckConstraint(
                condition=Q(committed_total__lte=F("cap_amount")),
                name="procurement_committed_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(committed_total__gte=0, paid_total__gte=0),
                name="procurement_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_total__lte=F("committed_total")),
                name="procurement_paid_within_committed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"

    @property
    def headroom(self) -> Decimal:
        return self.cap_amount - self.committed_total

    @property
    def used_pct(self) -> Decimal:
        if not self.cap_amount:
            return ZERO
        return (self.committed_total * 100 / self.cap_amount).quantize(Decimal("0.1"))


class CatalogueItem(models.Model):
    """A purchasable item of the service list (购买服务清单) with its reference unit price."""

    class Unit(models.TextChoices):
        HOUR = "hour", _("hour")
        VISIT = "visit", _("visit")
        CASE = "case", _("case")
        HOUSEHOLD = "household", _("household")
        SESSION = "session", _("session")
        PERSON = "person", _("person")
        ITEM = "item", _("item")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    category = models.ForeignKey(
        ServiceCategory,
        models.PROTECT,
        related_name="catalogue_items",
        verbose_name=_("service category"),
    )
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    reference_unit_price = money_field(_("reference unit price (yuan)"))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["category__kind", "sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_unit_display()})"

    @property
    def kind(self) -> str:
        return self.category.kind


class ProjectQuerySet(ScopedQuerySet):
    region_lookup = "region"

    def published(self) -> "ProjectQuerySet":
        return self.filter(status__in=Project.PUBLISHED_STATUSES)


class Project(models.Model):
    """A purchased-service project: an agency delivers catalogue lines for a buying region."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        IN_PROGRESS = "in_progress", _("in progress")
        CLOSED = "closed", _("closed")

    PUBLISHED_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED)
    COMMITTED_STATUSES = PUBLISHED_STATUSES

    name = models.CharField(_("project name"), max_length=120)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="procurement_projects",
        verbose_name=_("buying region"),
        limit_choices_to={
            "level__in": [Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP]
        },
    )
    year = models.PositiveSmallIntegerField(_("budget year"))
    agency = models.ForeignKey(
        Organisation,
        models.PROTECT,
        related_name="procurement_projects",
        verbose_name=_("service agency"),
        limit_choices_to={"kind": Organisation.Kind.AGENCY},
    )
    funding_source = models.CharField(
        _("funding source"), max_length=16, choices=FundingSource.choices
    )
    starts_on = models.DateField(_("contract starts"))
    ends_on = models.DateField(_("contract ends"))
    service_area = models.ManyToManyField(
        Region, related_name="+", blank=True, verbose_name=_("service area")
    )
    target_households = models.PositiveIntegerField(_("target households"), default=0)
    target_hours = models.PositiveIntegerField(_("target service hours"), default=0)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    amount = money_field(_("contract amount (yuan)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement project")
        verbose_name_plural = _("procurement projects")
        ordering = ["-year", "region__path", "-pk"]
        indexes = [models.Index(fields=["region", "year", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="project_period_in_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="project_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The contract cannot end before it starts.")
        if self.agency_id and self.agency.kind != Organisation.Kind.AGENCY:
            errors["agency"] = _("Choose a service agency.")
        elif self.agency_id and self.region_id and not serves(self.agency, self.region):
            errors["agency"] = _(
                "This agency does not serve %(region)s: an agency from elsewhere needs a "
                "registration with the bureau there first."
            ) % {"region": self.region}
        if self.region_id and self.region.level not in {
            Region.Level.CITY,
            Region.Level.COUNTY,
            Region.Level.TOWNSHIP,
        }:
            errors["region"] = _("Services are bought by a city, county or township.")
        if errors:
            raise ValidationError(errors)

    @property
    def needs_filing(self) -> bool:
        """Money from the assistance subsidy funds is filed (备案) one level up."""
        return self.funding_source == FundingSource.SUBSIDY

    @property
    def is_service_to_people(self) -> bool:
        return any(line.item.kind == ServiceCategory.Kind.SERVICE for line in self.lines.all())

    @property
    def capacity(self) -> int:
        """Households the contract pays for: it can never hold more referrals than that."""
        return self.target_households

    def is_accepting_on(self, day) -> bool:
        """Whether referrals may go to the project on ``day``: under way, within its contract."""
        return self.status == self.Status.IN_PROGRESS and self.starts_on <= day <= self.ends_on

    def line_for(self, category: ServiceCategory) -> "ProjectLine | None":
        """The line that buys a service: the category's own, else its parent's (照料护理 buys
        助餐, 助洁 …)."""
        lines = [
            line for line in self.lines.all() if line.item.kind == ServiceCategory.Kind.SERVICE
        ]
        for wanted in (category.pk, category.parent_id):
            found = next((line for line in lines if line.item.category_id == wanted), None)
            if wanted is not None and found is not None:
                return found
        return None

    def committed_amount(self) -> Decimal:
        return self.ledger_balance(LedgerEntry.Kind.COMMITMENT) - self.ledger_balance(
            LedgerEntry.Kind.RELEASE
        )

    def paid_amount(self) -> Decimal:
        return self.ledger_balance(LedgerEntry.Kind.PAYMENT)

    def ledger_balance(self, kind: str) -> Decimal:
        entries = [entry for entry in self.ledger_entries.all() if entry.kind == kind]
        return sum((entry.amount for entry in entries), ZERO)

    def delivery_by_line(self) -> list["LineDelivery"]:
        """Contracted against delivered, line by line, with the value delivered so far."""
        delivered: dict[int, Decimal] = {}
        for record in self.deliveries.all():
            delivered[record.line_id] = delivered.get(record.line_id, ZERO) + record.quantity
        return [LineDelivery(line, delivered.get(line.pk, ZERO)) for line in self.lines.all()]

    def delivered_value(self) -> Decimal:
        return sum((row.delivered_value for row in self.delivery_by_line()), ZERO)

    def households_served(self) -> int:
        return len({r.household_id for r in self.deliveries.all() if r.household_id})

    def public_summary(self) -> dict:
        """What the public site may show (公示): no household, no person, only totals."""
        lines = self.delivery_by_line()
        return {
            "name": self.name,
            "region": self.region.name,
            "year": self.year,
            "agency": self.agency.name,
            "funding_source": self.get_funding_source_display(),
            "amount": self.amount,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "status": self.get_status_display(),
            "service_area": [region.name for region in self.service_area.all()],
            "target_households": self.target_households,
            "target_hours": self.target_hours,
            "households_served": self.households_served(),
            "delivered_value": sum((row.delivered_value for row in lines), ZERO),
            "lines": [
                {
                    "item": row.line.item.name,
                    "unit": row.line.item.get_unit_display(),
                    "contracted": row.line.quantity,
                    "delivered": row.delivered,
                }
                for row in lines
            ],
        }


class ProjectLine(models.Model):
    project = models.ForeignKey(
        Project, models.CASCADE, related_name="lines", verbose_name=_("project")
    )
    item = models.ForeignKey(
        CatalogueItem, models.PROTECT, related_name="lines", verbose_name=_("catalogue item")
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(FEN)]
    )
    unit_price = models.DecimalField(
        _("unit price (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )

    class Meta:
        verbose_name = _("project line")
        verbose_name_plural = _("project lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gte=0), name="project_line_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item.name} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)

    # Units counted once per household served, whatever the number of sessions.
    ONCE_PER_CASE = {
        CatalogueItem.Unit.CASE,
        CatalogueItem.Unit.HOUSEHOLD,
        CatalogueItem.Unit.PERSON,
    }

    def quantity_served(self, *, minutes: int, first: bool) -> Decimal | None:
        """What one service session delivers of this line, in its unit: its hours, one visit
        or session, or one case on the case's first session (None after that)."""
        unit = self.item.unit
        if unit == CatalogueItem.Unit.HOUR:
            return (Decimal(minutes) / 60).quantize(FEN, rounding=ROUND_HALF_UP)
        if unit in self.ONCE_PER_CASE:
            return Decimal(1) if first else None
        return Decimal(1)


class LineDelivery:
    """One line of a project with the quantity delivered against it."""

    def __init__(self, line: ProjectLine, delivered: Decimal):
        self.line, self.delivered = line, delivered

    @property
    def delivered_value(self) -> Decimal:
        return money(min(self.delivered, self.line.quantity) * self.line.unit_price)

    @property
    def delivered_pct(self) -> Decimal:
        return (self.delivered * 100 / self.line.quantity).quantize(Decimal("0.1"))


class ProjectTransition(models.Model):
    """Who moved a project from one status to the next, and when."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="transitions", verbose_name=_("project")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Project.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Project.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("project status change")
        verbose_name_plural = _("project status changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_status} → {self.to_status}"


class Filing(models.Model):
    """The filing (备案) of a purchase from the assistance subsidy funds with the bureau one
    level up."""

    project = models.OneToOneField(
        Project, models.CASCADE, related_name="filing", verbose_name=_("project")
    )
    filed_with = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("filed with (region above)")
    )
    filed_on = models.DateField(_("filed on"))
    reference = models.CharField(_("filing reference"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("filing (备案)")
        verbose_name_plural = _("filings (备案)")

    def __str__(self) -> str:
        return self.reference


class LedgerEntry(models.Model):
    """A movement against the cap: a commitment at approval, its release, or a payment."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("commitment")
        RELEASE = "release", _("release of unspent commitment")
        PAYMENT = "payment", _("payment")

    project = models.ForeignKey(
        Project, models.PROTECT, related_name="ledger_entries", verbose_name=_("project")
    )
    cap = models.ForeignKey(
        ProcurementCap, models.PROTECT, related_name="entries", verbose_name=_("cap")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = money_field(_("amount (yuan)"))
    booked_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["booked_on", "pk"]
        indexes = [models.Index(fields=["cap", "kind", "booked_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class DeliveryQuerySet(ScopedQuerySet):
    region_lookup = "project__region"


class DeliveryRecord(models.Model):
    """A quantity of a project line delivered on a day, to a household when there is one."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="deliveries", verbose_name=_("project")
    )
    line = models.ForeignKey(
        ProjectLine, models.CASCADE, related_name="deliveries", verbose_name=_("line")
    )
    delivered_on = models.DateField(_("delivered on"))
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(FEN)]
    )
    household = models.ForeignKey(
        Household,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="procurement_deliveries",
        verbose_name=_("household"),
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("The household's rating, 1 (poor) to 5 (very satisfied)."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["delivered_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_quantity_positive"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="delivery_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.delivered_on} {self.quantity}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


def default_priority_tiers() -> list[str]:
    return [Tier.TEKUN.value, Tier.DIBAO.value]


def percent_field(verbose_name, default) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )


class EvaluationScheme(models.Model):
    """How a project is scored: indicator weights, the evaluator's share, grade thresholds.

    The scheme in force for a project is the one of the deepest region on its path, from the
    latest year not after the project's year; an empty region is the national default.
    """

    name = models.CharField(_("name"), max_length=80)
    region = models.ForeignKey(
        Region,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluation_schemes",
        verbose_name=_("region"),
        help_text=_("Empty: the national default."),
    )
    year = models.PositiveSmallIntegerField(_("in force from year"))
    weight_coverage = percent_field(_("weight: coverage"), "20")
    weight_timeliness = percent_field(_("weight: timeliness"), "10")
    weight_completion = percent_field(_("weight: completion"), "25")
    weight_satisfaction = percent_field(_("weight: satisfaction"), "20")
    weight_cost = percent_field(_("weight: cost per household"), "10")
    weight_priority_share = percent_field(_("weight: spending on priority tiers"), "15")
    form_share_pct = percent_field(_("evaluator's form share of the final score (%)"), "40")
    timeliness_full_days = models.PositiveSmallIntegerField(
        _("full timeliness score within (days)"), default=7
    )
    timeliness_zero_days = models.PositiveSmallIntegerField(
        _("no timeliness score after (days)"), default=60
    )
    priority_tiers = models.JSONField(
        _("priority tiers"),
        default=default_priority_tiers,
        help_text=_("Household tiers whose services count as spending on priority tiers."),
    )
    excellent_min = percent_field(_("excellent from"), "90")
    good_min = percent_field(_("good from"), "80")
    pass_min = percent_field(_("pass from"), "60")

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["region__path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="evaluation_scheme_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(region=None), name="evaluation_scheme_default_unique"
            ),
            models.CheckConstraint(
                condition=Q(excellent_min__gt=F("good_min"), good_min__gt=F("pass_min")),
                name="evaluation_grades_in_order",
            ),
            models.CheckConstraint(
                condition=Q(timeliness_zero_days__gt=F("timeliness_full_days")),
                name="evaluation_timeliness_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.priority_tiers or []) - set(Tier.values)
        if unknown:
            raise ValidationError({"priority_tiers": _("Unknown tier: %s") % ", ".join(unknown)})

    def indicator_weights(self) -> dict[str, Decimal]:
        return {
            "coverage": self.weight_coverage,
            "timeliness": self.weight_timeliness,
            "completion": self.weight_completion,
            "satisfaction": self.weight_satisfaction,
            "cost": self.weight_cost,
            "priority_share": self.weight_priority_share,
        }

    def grade_for(self, score: Decimal) -> str:
        if score >= self.excellent_min:
            return Grade.EXCELLENT
        if score >= self.good_min:
            return Grade.GOOD
        if score >= self.pass_min:
            return Grade.PASS
        return Grade.FAIL


class EvaluationCriterion(models.Model):
    """One line of the evaluator's scored form, e.g. project management, file keeping."""

    scheme = models.ForeignKey(
        EvaluationScheme, models.CASCADE, related_name="criteria", verbose_name=_("scheme")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    weight = percent_field(_("weight"), "0")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="evaluation_criterion_unique")
        ]

    def __str__(self) -> str:
        return self.name


class EvaluationQuerySet(ScopedQuerySet):
    region_lookup = "project__region"


class Evaluation(models.Model):
    """A performance evaluation (绩效评价): computed indicators, the evaluator's scores, the
    final score and grade. The indicators are a snapshot of the day it was recorded."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="evaluations", verbose_name=_("project")
    )
    scheme = models.ForeignKey(
        EvaluationScheme, models.PROTECT, related_name="evaluations", verbose_name=_("scheme")
    )
    evaluated_on = models.DateField(_("evaluated on"))
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    indicators = models.JSONField(_("indicators"), default=dict)
    indicator_score = percent_field(_("indicator score"), "0")
    form_score = percent_field(_("evaluator's score"), "0")
    final_score = percent_field(_("final score"), "0")
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    comments = models.TextField(_("comments"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} {self.evaluated_on}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, related_name="scores", verbose_name=_("evaluation")
    )
    criterion = models.ForeignKey(
        EvaluationCriterion, models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    score = percent_field(_("score (0-100)"), "0")

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["criterion__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="evaluation_score_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
