"""Assistance funds and the purchase cap of a region and year, with the money helpers every
procurement amount goes through.

The cap is kept by one ``ProcurementCap`` row per region and year: services lock it before they
commit money and a check constraint refuses any committed total above the cap, so the rule holds
even against code that forgets the lock.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.regions.models import Region

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
