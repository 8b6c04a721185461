"""Assistance funds and the purchase cap of a fiscal unit and year, with the money helpers every
procurement amount goes through.

Document 003 (item 17) is the rule: purchases are paid from 社会救助工作经费, 民政事业专项补助资金
or 困难群众救助补助资金, and together they may not exceed 5% of the year's spending of the aid
funds (困难群众救助资金总支出); 001 sets the share by level of government (city 5%, county and
township 4%), each level paying from its own funds.

The cap is kept by one ``ProcurementCap`` row per fiscal unit and year: a city, a county (with
its townships), or a township that keeps its own budget. Services lock it before they commit
money and a check constraint refuses any committed total above the row's limit, so the rule holds
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
    WORK_FUNDS = "work_funds", _("social-assistance work funds (社会救助工作经费)")
    CIVIL_AFFAIRS = "civil_affairs", _("civil-affairs special subsidy funds (民政事业专项补助资金)")
    SUBSIDY = "subsidy", _("assistance subsidy funds (困难群众救助补助资金)")
    OTHER = "other", _("other funds")


# The aid funds whose year's spending is the cap's base (003: 困难群众救助资金总支出).
AID_FUND = FundingSource.SUBSIDY
# What a purchase may be paid from (003, item 17); every one of them counts against the cap.
PAYING_SOURCES = (FundingSource.WORK_FUNDS, FundingSource.CIVIL_AFFAIRS, FundingSource.SUBSIDY)


class Programme(models.TextChoices):
    """What the aid funds were spent on, where the budget says so."""

    ALL = "", _("all programmes")
    DIBAO = "dibao", _("minimum living allowance (低保)")
    TEKUN = "tekun", _("support for the extremely poor (特困供养)")
    TEMPORARY = "temporary", _("temporary assistance (临时救助)")
    ORPHANS = "orphans", _("orphans and unsupported children (孤儿及事实无人抚养儿童)")
    VAGRANTS = "vagrants", _("vagrants and beggars (流浪乞讨人员救助)")


class Fund(models.Model):
    """Assistance funds of one source (and programme) for a region and year: the budget and what
    was spent. Recorded once, at the region whose budget holds them: a township's own funds are
    part of its county's totals unless the township is its own fiscal unit."""

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="funds", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=16, choices=FundingSource.choices)
    programme = models.CharField(
        _("programme"), max_length=16, choices=Programme.choices, blank=True, default=""
    )
    budget_amount = money_field(_("budget (yuan)"))
    spent_amount = money_field(_("actual spending (yuan)"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("assistance fund")
        verbose_name_plural = _("assistance funds")
        ordering = ["region__path", "-year", "source", "programme"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "source", "programme"], name="fund_unique"
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__gte=0, spent_amount__gte=0), name="fund_not_negative"
            ),
        ]

    def __str__(self) -> str:
        programme = f" {self.get_programme_display()}" if self.programme else ""
        return f"{self.region} {self.year} {self.get_source_display()}{programme}"


class ProcurementCapQuerySet(ScopedQuerySet):
    region_lookup = "region"


class ProcurementCap(models.Model):
    """The purchase cap of a fiscal unit and year and what is committed against it.

    This row is the lock: every commitment selects it FOR UPDATE and moves ``committed_total``
    with F() in the same transaction; the check constraint is the last line of defence. When the
    cap is recomputed below what is already committed (spending came in lower than the budget),
    the commitments stay: ``committed_limit`` keeps the committed total of that moment, and new
    commitments are refused until the total is back under the cap.
    """

    class Base(models.TextChoices):
        SPENDING = "spending", _("the year's spending of the aid funds")
        BUDGET = "budget", _("the aid funds' budget, until spending is entered")

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="procurement_caps", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    cap_pct = models.DecimalField(_("cap (%)"), max_digits=6, decimal_places=3, default=ZERO)
    base = models.CharField(_("base"), max_length=16, choices=Base.choices, default=Base.SPENDING)
    base_amount = money_field(_("base amount (yuan)"))
    cap_amount = money_field(_("cap (yuan)"))
    committed_limit = money_field(_("committed limit (yuan)"))
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
                condition=Q(committed_total__lte=F("committed_limit")),
                name="procurement_committed_within_limit",
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
        """What may still be committed; negative when the cap fell below the commitments."""
        return self.cap_amount - self.committed_total

    @property
    def over_by(self) -> Decimal:
        return max(-self.headroom, ZERO)

    @property
    def used_pct(self) -> Decimal:
        if not self.cap_amount:
            return ZERO
        return (self.committed_total * 100 / self.cap_amount).quantize(Decimal("0.1"))
