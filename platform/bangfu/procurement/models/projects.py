"""Projects: an agency delivers catalogue lines for a buying region; their status changes
(and refused steps), ledger entries against the cap, and deliveries. Their filing (备案) is in
``filings``."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.lifecycle import Lifecycle, StatusEvent
from bangfu.procurement.agencies import serves
from bangfu.procurement.models.catalogue import CatalogueItem
from bangfu.procurement.models.funds import (
    AID_FUND,
    FEN,
    PAYING_SOURCES,
    ZERO,
    FundingSource,
    ProcurementCap,
    money,
    money_field,
)
from bangfu.providers.models import Provider
from bangfu.regions.models import Region
from bangfu.registry.models import Household, ServiceCategory


class ProjectQuerySet(ScopedQuerySet):
    region_lookup = "region"

    def published(self) -> "ProjectQuerySet":
        return self.filter(status__in=Project.PUBLISHED_STATUSES)


class Project(Lifecycle):
    """A purchased-service project: an agency delivers catalogue lines for a buying region."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        IN_PROGRESS = "in_progress", _("in progress")
        CLOSED = "closed", _("closed")

    class ProcurementMethod(models.TextChoices):
        """The methods of the Government Procurement Law (政府采购法, art. 26) with the two the
        finance ministry added, 竞争性磋商 (财库〔2014〕214号) and 框架协议采购 (财政部令第110号):
        those by which 政府购买服务管理办法 has the buyer choose who delivers."""

        PUBLIC_TENDER = "public_tender", _("public tender (公开招标)")
        INVITED_TENDER = "invited_tender", _("invited tender (邀请招标)")
        COMPETITIVE_NEGOTIATION = (
            "competitive_negotiation",
            _("competitive negotiation (竞争性谈判)"),
        )
        COMPETITIVE_CONSULTATION = (
            "competitive_consultation",
            _("competitive consultation (竞争性磋商)"),
        )
        SINGLE_SOURCE = "single_source", _("single-source procurement (单一来源采购)")
        REQUEST_FOR_QUOTATIONS = "request_for_quotations", _("request for quotations (询价)")
        FRAMEWORK_AGREEMENT = "framework_agreement", _("framework agreement (框架协议采购)")

    PUBLISHED_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED)
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.DRAFT, Status.APPROVED},
        Status.APPROVED: {Status.IN_PROGRESS},
        Status.IN_PROGRESS: {Status.CLOSED},
    }
    COMMITTED_STATUSES = PUBLISHED_STATUSES

    name = models.CharField(_("project name"), max_length=120)
    # The project as a party needs are referred to; its name and region follow the project's.
    provider = models.OneToOneField(
        Provider, models.PROTECT, related_name="project", verbose_name=_("provider")
    )
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
    # What the public notice (公示) carries besides: blank in a draft, required to submit.
    procurement_method = models.CharField(
        _("procurement method (采购方式)"),
        max_length=32,
        choices=ProcurementMethod.choices,
        blank=True,
    )
    contract_number = models.CharField(_("contract number (合同编号)"), max_length=60, blank=True)
    complaint_channel = models.CharField(
        _("complaints channel (投诉渠道)"),
        max_length=300,
        blank=True,
        help_text=_("Whom the public contacts to complain, and how: office, phone, address."),
    )
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

    def check_notice(self) -> None:
        """A project goes for approval with what its public notice (公示) carries besides its
        contract: how it was procured, the contract's number, where to complain."""
        errors = {}
        if not self.procurement_method:
            errors["procurement_method"] = _(
                "Choose the procurement method (采购方式) before the project goes for approval."
            )
        if not self.contract_number.strip():
            errors["contract_number"] = _(
                "Enter the contract number (合同编号) before the project goes for approval."
            )
        if not self.complaint_channel.strip():
            errors["complaint_channel"] = _(
                "Say where the public can complain (投诉渠道) before the project goes for approval."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def needs_filing(self) -> bool:
        """Money from the assistance subsidy funds is filed (备案) one level up."""
        return any(line.funding_source == AID_FUND for line in self.lines.all())

    def amount_by_source(self) -> dict[str, Decimal]:
        """What each fund pays, in the order of the sources' list."""
        totals = {source: ZERO for source in PAYING_SOURCES}
        for line in self.lines.all():
            totals[line.funding_source] += line.amount
        return {source: amount for source, amount in totals.items() if amount}

    def funding_sources_display(self) -> str:
        return ", ".join(str(FundingSource(source).label) for source in self.amount_by_source())

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
        approved = [e.at for e in self.events.all() if e.to_status == self.Status.APPROVED]
        return {
            "name": self.name,
            "region": self.region.name,
            "year": self.year,
            "agency": self.agency.name,
            "funding_source": self.funding_sources_display(),
            "procurement_method": self.get_procurement_method_display(),
            "contract_number": self.contract_number,
            "complaint_channel": self.complaint_channel,
            # The notice is published on approval.
            "published_on": timezone.localdate(approved[-1]) if approved else None,
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
    # 003, item 17: each purchase is paid from one of the listed funds; all count against the cap.
    funding_source = models.CharField(
        _("paid from"), max_length=16, choices=[(s.value, s.label) for s in PAYING_SOURCES]
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


class ProjectTransition(StatusEvent):
    """Who moved a project from one status to the next, when and why."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="events", verbose_name=_("project")
    )
    from_status = models.CharField(_("from"), max_length=24, choices=Project.Status.choices)
    to_status = models.CharField(_("to"), max_length=24, choices=Project.Status.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("project status change")
        verbose_name_plural = _("project status changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_status} → {self.to_status}"

    @property
    def is_refusal(self) -> bool:
        """A refused step (approval without the filing, over the cap …) leaves the status where
        it was; the refusal, with its figures, is the event's note."""
        return self.from_status == self.to_status


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
    # The referral (case) whose session delivered this; empty for deliveries recorded by hand.
    case = models.PositiveIntegerField(_("referral"), null=True, blank=True, db_index=True)
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
