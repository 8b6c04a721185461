"""The standards calculator: every assistance standard of a region and year from its policy
parameters, and a household's indicative entitlement.

The rules are those of Quanzhou 2022 (seed 002), with the numbers as policy parameters:

- 低保 standard = the minimum wage × the chosen share (42%-48%); a region may also set the
  standard itself (``dibao_standard_monthly``), which is then the one in force;
- 特困 basic living standard = 130% of the 低保 standard;
- 特困 care standards = 10% / 25% / 50% of the minimum wage (self-caring / semi / full care);
- institutional (集中) support = 150% of dispersed support;
- temporary assistance = the monthly 低保 standard ± 25%;
- 20%-30% of a working member's earned income is deducted as the cost of working.

Standards are published in whole yuan (rounded half up); amounts paid to a household are
computed to the fen. Decimal throughout.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.models import Member, Tier

YUAN = Decimal("1")
FEN = Decimal("0.01")
HUNDRED = Decimal("100")
# 002: the 低保 standard lies between 42% and 48% of the minimum wage (target average 45%).
DIBAO_SHARE_RANGE = (Decimal("42"), Decimal("48"))
# Earned income: what working-age members who can work bring in (pensions are not deducted).
WORKING_AGE = (16, 60)


def to_yuan(amount: Decimal) -> Decimal:
    return amount.quantize(YUAN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def share(amount: Decimal, pct: Decimal) -> Decimal:
    return amount * pct / HUNDRED


@dataclass(frozen=True)
class Standards:
    """Monthly amounts in yuan for one region and year."""

    region: Region
    year: int
    minimum_wage: Decimal
    dibao_share_pct: Decimal
    dibao_from_share: Decimal  # minimum wage × share
    dibao_standard: Decimal  # the standard in force (set by the region, or from the share)
    dibao_is_set: bool
    dibao_range: tuple[Decimal, Decimal]  # 42% and 48% of the minimum wage
    tekun_basic_pct: Decimal
    tekun_basic: Decimal
    care_pct: dict[str, Decimal]  # by Member.CareLevel
    care: dict[str, Decimal]
    institutional_pct: Decimal
    institutional_basic: Decimal
    temporary_band_pct: Decimal
    temporary_range: tuple[Decimal, Decimal]
    work_deduction_pct: Decimal
    expenditure_band_pct: Decimal
    expenditure_ceiling: Decimal  # per-capita income up to this is "just above" the standard
    rigid_spending_pct: Decimal  # rigid spending of this share of income or more is heavy

    @property
    def share_in_range(self) -> bool:
        low, high = DIBAO_SHARE_RANGE
        return low <= self.dibao_share_pct <= high

    @property
    def standard_in_range(self) -> bool:
        low, high = self.dibao_range
        return low <= self.dibao_standard <= high

    def tekun_dispersed(self, care_level: str) -> Decimal:
        """Dispersed (分散) support of one destitute person: basic standard plus care."""
        return self.tekun_basic + self.care[care_level]

    def tekun_institutional(self, care_level: str) -> Decimal:
        return to_yuan(share(self.tekun_dispersed(care_level), self.institutional_pct))


def standards_for(region: Region, year: int, policy: Policy | None = None) -> Standards:
    policy = policy or Policy(region, year)
    wage = policy["minimum_wage_monthly"]
    share_pct = policy["dibao_share_of_minimum_wage_pct"]
    from_share = to_yuan(share(wage, share_pct))
    is_set = policy.get("dibao_standard_monthly") is not None
    # Not Policy.dibao_standard(): that rounds half to even, the documents round half up.
    standard = to_yuan(policy["dibao_standard_monthly"]) if is_set else from_share
    care_pct = {
        Member.CareLevel.SELF: policy["care_standard_self_pct"],
        Member.CareLevel.SEMI: policy["care_standard_semi_pct"],
        Member.CareLevel.FULL: policy["care_standard_full_pct"],
    }
    tekun_pct = policy["tekun_basic_pct_of_dibao"]
    tekun_basic = to_yuan(share(standard, tekun_pct))
    institutional_pct = policy["institutional_support_pct"]
    band = policy["temporary_assistance_band_pct"]
    expenditure_band = policy["discovery_expenditure_band_pct"]
    return Standards(
        region=region,
        year=year,
        minimum_wage=wage,
        dibao_share_pct=share_pct,
        dibao_from_share=from_share,
        dibao_standard=standard,
        dibao_is_set=is_set,
        dibao_range=tuple(to_yuan(share(wage, pct)) for pct in DIBAO_SHARE_RANGE),
        tekun_basic_pct=tekun_pct,
        tekun_basic=tekun_basic,
        care_pct=care_pct,
        care={level: to_yuan(share(wage, pct)) for level, pct in care_pct.items()},
        institutional_pct=institutional_pct,
        institutional_basic=to_yuan(share(tekun_basic, institutional_pct)),
        temporary_band_pct=band,
        temporary_range=(
            to_yuan(share(standard, HUNDRED - band)),
            to_yuan(share(standard, HUNDRED + band)),
        ),
        work_deduction_pct=policy["work_income_deduction_pct"],
        expenditure_band_pct=expenditure_band,
        expenditure_ceiling=to_fen(share(standard, HUNDRED + expenditure_band)),
        rigid_spending_pct=policy["discovery_rigid_spending_pct"],
    )


@dataclass(frozen=True)
class MemberLine:
    member: Member
    income: Decimal
    deduction: Decimal  # work cost deducted from earned income
    support: Decimal  # 特困: dispersed support of this member


@dataclass(frozen=True)
class Entitlement:
    """A household's indicative monthly entitlement: what the rules give, before any decision."""

    standards: Standards
    tier: str
    size: int
    lines: list[MemberLine]
    income: Decimal
    deductions: Decimal
    countable_per_person: Decimal
    dibao_gap_per_person: Decimal  # standard minus countable income, never below 0
    dibao_monthly: Decimal  # the 低保 top-up for the household
    tekun_monthly: Decimal  # the dispersed 特困 support of its members
    temporary_range: tuple[Decimal, Decimal]

    @property
    def monthly(self) -> Decimal:
        """What the household's tier gives it (特困 support, or the 低保 top-up)."""
        return self.tekun_monthly if self.tier == Tier.TEKUN else self.dibao_monthly

    @property
    def below_standard(self) -> bool:
        return self.countable_per_person < self.standards.dibao_standard


def is_earned(member: Member, on: dt.date) -> bool:
    low, high = WORKING_AGE
    return (
        low <= member.age_on(on) < high
        and member.work_ability != Member.WorkAbility.NONE
        and member.monthly_income > 0
    )


def household_entitlement(
    *, tier: str, members: list[Member], standards: Standards, on: dt.date
) -> Entitlement:
    """低保 top-up: (standard − countable income per person) × members, where countable income
    is income less the work-cost deduction on earned income. 特困: basic standard plus the care
    standard of each member's care level (dispersed support)."""
    lines = []
    for member in members:
        deduction = Decimal("0")
        if is_earned(member, on):
            deduction = to_fen(share(member.monthly_income, standards.work_deduction_pct))
        lines.append(
            MemberLine(
                member=member,
                income=member.monthly_income,
                deduction=deduction,
                support=standards.tekun_dispersed(member.care_level),
            )
        )
    size = len(members)
    income = sum((line.income for line in lines), Decimal("0"))
    deductions = sum((line.deduction for line in lines), Decimal("0"))
    countable = to_fen((income - deductions) / size) if size else Decimal("0.00")
    gap = max(standards.dibao_standard - countable, Decimal("0"))
    return Entitlement(
        standards=standards,
        tier=tier,
        size=size,
        lines=lines,
        income=to_fen(income),
        deductions=to_fen(deductions),
        countable_per_person=countable,
        dibao_gap_per_person=to_fen(gap),
        dibao_monthly=to_fen(gap * size),
        tekun_monthly=to_fen(sum((line.support for line in lines), Decimal("0"))),
        temporary_range=standards.temporary_range,
    )


@dataclass(frozen=True)
class ExpenditureCheck:
    """支出型: per-capita income just above the standard; rigid spending heavy (a set share of
    the income or more) and leaving less than the standard once paid."""

    income_per_person: Decimal
    standard: Decimal
    ceiling: Decimal
    rigid_per_person: Decimal  # monthly
    after_spending: Decimal
    heavy_from: Decimal  # monthly rigid spending per person from which it counts as heavy

    @property
    def just_above(self) -> bool:
        return self.standard <= self.income_per_person <= self.ceiling

    @property
    def heavy(self) -> bool:
        return self.rigid_per_person >= self.heavy_from

    @property
    def fires(self) -> bool:
        return self.just_above and self.heavy and self.after_spending < self.standard


def expenditure_check(
    *, income_per_person: Decimal, rigid_yearly: Decimal, size: int, standards: Standards
) -> ExpenditureCheck:
    rigid = to_fen(rigid_yearly / 12 / size) if size else Decimal("0.00")
    return ExpenditureCheck(
        income_per_person=income_per_person,
        standard=standards.dibao_standard,
        ceiling=standards.expenditure_ceiling,
        rigid_per_person=rigid,
        after_spending=income_per_person - rigid,
        heavy_from=to_fen(share(income_per_person, standards.rigid_spending_pct)),
    )
