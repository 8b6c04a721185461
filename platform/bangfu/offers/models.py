"""Charity offers (慈善帮扶): charities, the aid they offer, and its allocation to households.

A charity registers and the bureau of its region approves it; its staff post offers (cash, goods
or a service) with an eligibility; the bureau of the county the offer is for (of the city, if it
spans counties: ``Offer.moderating_region``) moderates it before it is published (the one
approval mechanism of the platform); staff then allocate (认领/分配) an offer to eligible
households' needs, and the charity records delivery.

What is left of an offer is never a stored counter: it is the quantity minus the units of its
allocations that were not cancelled, and allocations are written with the offer's row locked,
so two staff members cannot both take the last unit.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.lifecycle import Lifecycle, StatusEvent
from bangfu.regions.models import Region, path_and_above
from bangfu.registry.models import Household, Need, ServiceCategory, Tier

ZERO = Decimal("0.00")


class Charity(Lifecycle):
    """A charity's registration on the platform, approved by the bureau of its region."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SUSPENDED = "suspended", _("suspended")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED},
        Status.REJECTED: {Status.APPROVED},
        Status.APPROVED: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.APPROVED},
    }

    organisation = models.OneToOneField(
        Organisation,
        models.CASCADE,
        related_name="charity",
        verbose_name=_("organisation"),
        limit_choices_to={"kind": Organisation.Kind.CHARITY},
    )
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("Shown on the public site.")
    )
    certificate_number = models.CharField(
        _("charity registration certificate number"), max_length=40, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("charity")
        verbose_name_plural = _("charities")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def region(self) -> Region:
        return self.organisation.region

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED and self.organisation.is_active


class OfferQuerySet(models.QuerySet):
    def with_allocated(self) -> "OfferQuerySet":
        """Annotate ``allocated_units``: units held by allocations that were not cancelled."""
        return self.annotate(
            allocated_units=Coalesce(
                Sum("allocations__units", filter=~Q(allocations__status="cancelled")), Value(0)
            )
        )

    def listed(self, today: dt.date | None = None) -> "OfferQuerySet":
        """Approved offers of approved charities that have not ended: valid today, or approved
        ahead of their start and shown as starting soon (即将开始) until then."""
        today = today or timezone.localdate()
        return self.filter(
            status=Offer.Status.APPROVED,
            charity__status=Charity.Status.APPROVED,
            charity__organisation__is_active=True,
            valid_until__gte=today,
        )

    def published(self, today: dt.date | None = None) -> "OfferQuerySet":
        """Approved offers of approved charities that are valid today (can be allocated)."""
        today = today or timezone.localdate()
        return self.listed(today).filter(valid_from__lte=today)


class Offer(Lifecycle):
    class Kind(models.TextChoices):
        CASH = "cash", _("cash")
        GOODS = "goods", _("goods")
        SERVICE = "service", _("service")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PENDING = "pending", _("waiting for review")
        APPROVED = "approved", _("published")
        RETURNED = "returned", _("returned for changes")
        CLOSED = "closed", _("closed")

    class Delivery(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("paid into the household's bank account")
        TOWNSHIP_HANDOUT = "township_handout", _("handed out at the township")
        HOME_DELIVERY = "home_delivery", _("delivered to the home")
        HOME_SERVICE = "home_service", _("service at home")
        STATION_PICKUP = "station_pickup", _("collected at the social-work station")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
    TRANSITIONS = {
        Status.DRAFT: {Status.PENDING, Status.CLOSED},
        Status.RETURNED: {Status.PENDING, Status.CLOSED},
        Status.PENDING: {Status.APPROVED, Status.RETURNED, Status.CLOSED},
        Status.APPROVED: {Status.CLOSED},
    }

    charity = models.ForeignKey(
        Charity, models.PROTECT, related_name="offers", verbose_name=_("charity")
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("what is offered"), max_length=2000)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        ServiceCategory,
        models.PROTECT,
        related_name="offers",
        verbose_name=_("service category"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    need_categories = models.ManyToManyField(
        ServiceCategory,
        blank=True,
        related_name="+",
        verbose_name=_("also meets these needs"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=12, help_text=_("E.g. 份, 袋, 次, 元."))
    units_per_household = models.PositiveIntegerField(
        _("units per household"), default=1, validators=[MinValueValidator(1)]
    )
    amount_per_household = models.DecimalField(
        _("value per household (yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    tiers = models.JSONField(
        _("household tiers"),
        default=list,
        blank=True,
        help_text=_("Empty: households of any tier."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    disability_max_grade = models.PositiveSmallIntegerField(
        _("for disability grades 1 to"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Empty: no disability required."),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Townships (or the whole county) it is for. Empty: the charity's region."),
    )
    reach_km = models.PositiveSmallIntegerField(
        _("reach (km)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    delivery_method = models.CharField(
        _("delivery method"), max_length=20, choices=Delivery.choices
    )
    delivery_note = models.CharField(_("delivery details"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("charity offer")
        verbose_name_plural = _("charity offers")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="offer_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("units_per_household")),
                name="offer_quantity_covers_one_household",
            ),
            models.CheckConstraint(
                condition=Q(amount_per_household__gte=0), name="offer_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=F("min_age")),
                name="offer_age_range_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The offer cannot end before it starts.")
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            errors["max_age"] = _("The maximum age is below the minimum age.")
        if self.quantity and self.units_per_household and self.quantity < self.units_per_household:
            errors["quantity"] = _("The quantity does not cover even one household.")
        unknown = set(self.tiers or []) - set(Tier.values)
        if unknown:
            errors["tiers"] = _("Unknown tier: %s") % ", ".join(sorted(unknown))
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    @property
    def starts_later(self) -> bool:
        """Approved ahead of its start: starting soon (即将开始), not ended, and not yet
        allocated (for templates, which cannot pass a day)."""
        return self.status == self.Status.APPROVED and timezone.localdate() < self.valid_from

    @property
    def households_total(self) -> int:
        return self.quantity // self.units_per_household

    def remaining_units(self) -> int:
        """Quantity left, from the allocations (uses the ``with_allocated`` annotation if any)."""
        allocated = getattr(self, "allocated_units", None)
        if allocated is None:
            allocated = (
                self.allocations.exclude(status=Allocation.Status.CANCELLED).aggregate(
                    total=Sum("units")
                )["total"]
                or 0
            )
        return max(self.quantity - allocated, 0)

    def remaining_households(self) -> int:
        return self.remaining_units() // self.units_per_household

    def category_ids(self) -> list[int]:
        """The categories of need it meets: its own and the ones it also meets."""
        return sorted({self.category_id, *(c.pk for c in self.need_categories.all())})

    def area(self) -> list[Region]:
        """The regions it is for: the chosen ones, else the charity's own region."""
        return list(self.regions.all()) or [self.charity.organisation.region]

    def moderating_region(self) -> Region:
        """Whose bureau reviews the offer: the bureau of the lowest region covering its whole
        area, and at least a county's (townships have no bureau). A city charity's offer to
        townships of one county is the county bureau's to decide, as the households are."""
        shared = set.intersection(*(set(path_and_above(region.path)) for region in self.area()))
        return (
            Region.objects.filter(path__in=shared, level__lte=Region.Level.COUNTY)
            .order_by("-level")
            .first()
        )

    def eligibility_in_words(self) -> list[str]:
        """Who may receive it, in plain words for the public page."""
        lines = []
        if self.tiers:
            labels = [str(label) for value, label in Tier.choices if value in self.tiers]
            lines.append(gettext("Households: %s") % "、".join(labels))
        else:
            lines.append(gettext("Households of any assistance tier"))
        if self.min_age is not None and self.max_age is not None:
            lines.append(
                gettext("A member aged %(low)s to %(high)s")
                % {"low": self.min_age, "high": self.max_age}
            )
        elif self.min_age is not None:
            lines.append(gettext("A member aged %(low)s or over") % {"low": self.min_age})
        elif self.max_age is not None:
            lines.append(gettext("A member aged %(high)s or under") % {"high": self.max_age})
        if self.disability_max_grade is not None:
            lines.append(
                gettext("A member with a disability of grade 1 to %(grade)s")
                % {"grade": self.disability_max_grade}
            )
        names = [category.name for category in self._categories()]
        lines.append(gettext("With a recorded need for: %s") % "、".join(names))
        lines.append(gettext("Living in: %s") % "、".join(r.name for r in self.area()))
        return lines

    def _categories(self) -> list[ServiceCategory]:
        others = [c for c in self.need_categories.all() if c.pk != self.category_id]
        return [self.category, *others]


class AllocationQuerySet(ScopedQuerySet):
    region_lookup = "household__region"

    def live(self) -> "AllocationQuerySet":
        return self.exclude(status=Allocation.Status.CANCELLED)


class Allocation(Lifecycle):
    """An offer given to one household's need (认领/分配), confirmed by a staff member."""

    class Status(models.TextChoices):
        ALLOCATED = "allocated", _("allocated")
        DELIVERED = "delivered", _("delivered")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS = {Status.ALLOCATED: {Status.DELIVERED, Status.CANCELLED}}

    offer = models.ForeignKey(
        Offer, models.PROTECT, related_name="allocations", verbose_name=_("offer")
    )
    need = models.ForeignKey(
        Need, models.PROTECT, related_name="offer_allocations", verbose_name=_("need")
    )
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="offer_allocations", verbose_name=_("household")
    )
    units = models.PositiveIntegerField(_("units"), validators=[MinValueValidator(1)])
    amount = models.DecimalField(
        _("value (yuan)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ALLOCATED
    )
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("allocated by")
    )
    allocated_at = models.DateTimeField(_("allocated at"), default=timezone.now)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery recorded by"),
    )
    delivery_note = models.CharField(_("delivery note"), max_length=200, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer allocation")
        verbose_name_plural = _("offer allocations")
        ordering = ["-allocated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "household"],
                condition=~Q(status="cancelled"),
                name="offer_allocation_one_per_household",
            ),
            models.CheckConstraint(condition=Q(units__gte=1), name="offer_allocation_units"),
            models.CheckConstraint(
                condition=Q(status="delivered", delivered_on__isnull=False)
                | ~Q(status="delivered"),
                name="offer_allocation_delivered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} → {self.household}"


class CharityEvent(StatusEvent):
    charity = models.ForeignKey(
        Charity, models.CASCADE, related_name="events", verbose_name=_("charity")
    )

    class Meta(StatusEvent.Meta):
        verbose_name = _("charity status change")
        verbose_name_plural = _("charity status changes")


class OfferEvent(StatusEvent):
    offer = models.ForeignKey(Offer, models.CASCADE, related_name="events", verbose_name=_("offer"))

    class Meta(StatusEvent.Meta):
        verbose_name = _("offer status change")
        verbose_name_plural = _("offer status changes")


class AllocationEvent(StatusEvent):
    allocation = models.ForeignKey(
        Allocation, models.CASCADE, related_name="events", verbose_name=_("allocation")
    )

    class Meta(StatusEvent.Meta):
        verbose_name = _("allocation status change")
        verbose_name_plural = _("allocation status changes")
