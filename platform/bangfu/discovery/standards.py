"""The standards calculator: every assistance standard of a region and year from its policy
parameters, and each member's indicative entitlement.

The rules are those of Quanzhou 2022 (seed 002), with the numbers as policy parameters:

- 低保 standard = the minimum wage × the chosen share (42%-48%); a region may also set the
  standard itself (``dibao_standard_monthly``), which is then the one in force;
- urban and rural standards are kept apart: 002 sets both by the same rule
  (「全城乡低保标准均按当地最低工资标准的42%~48%确定」), and 001 sets a target for the gap
  (「全市城乡低保平均标准之比达到1.3:1以内」). So the standard above is the urban (城镇) one,
  and the rural (农村) one is the region's ``dibao_standard_rural_monthly`` where it set one,
  else the same standard (one standard for town and country, a ratio of 1:1). A set rural
  standard, not a fixed ratio, because a ratio is what 001 measures, not how a region decides;
- 特困 basic living standard = 130% of the 低保 standard (of the person's residence);
- 特困 care standards = 10% / 25% / 50% of the minimum wage (self-caring / semi / full care);
- institutional (集中) support = 150% of dispersed support;
- temporary assistance = the monthly 低保 standard ± 25%;
- 20%-30% of an employed member's earned income is deducted as the cost of working (003);
- financial assets per person within a multiple of the 低保 standard (000; the multiple is a
  parameter, its figure is unreadable in the seed).

Standards are published in whole yuan (rounded half up); amounts paid to a household are
computed to the fen. Decimal throughout.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bangfu.regions.models import Region
from bangfu.regions.policy import Policy, policy_for
from bangfu.registry.models import Coverage, Household, HouseholdTier, Member, Residence

YUAN = Decimal("1")
FEN = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")
# 002: the 低保 standard lies between 42% and 48% of the minimum wage (target average 45%).
DIBAO_SHARE_RANGE = (Decimal("42"), Decimal("48"))
# Working age: from 16, the age at which one may be employed, to 60.
WORKING_AGE = (16, 60)
# The ages the discovery rules and the schedule count with: elderly from 60, adult from 18.
ELDERLY_AGE = 60
ADULT_AGE = 18


def to_yuan(amount: Decimal) -> Decimal:
    return amount.quantize(YUAN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def share(amount: Decimal, pct: Decimal) -> Decimal:
    return amount * pct / HUNDRED


@dataclass(frozen=True)
class Standards:
    """Monthly amounts in yuan for one region, year and residence (urban or rural): every
    amount that follows the 低保 standard follows the residence's one."""

    region: Region
    year: int
    residence: str  # Residence
    minimum_wage: Decimal
    dibao_share_pct: Decimal
    dibao_from_share: Decimal  # minimum wage × share
    dibao_standard: Decimal  # the standard in force for this residence
    dibao_is_set: bool  # set by the region (else from the share, or rural = urban)
    dibao_urban: Decimal
    dibao_rural: Decimal
    ratio_target_pct: Decimal  # 001: urban at most 130% of rural
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
    asset_multiple: int
    asset_limit: Decimal  # financial assets per person: the multiple × the standard
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

    @property
    def residence_label(self) -> str:
        return Residence(self.residence).label

    @property
    def urban_rural_ratio(self) -> Decimal:
        """The urban standard per yuan of the rural one (001 reads it as 「1.3:1」)."""
        return to_fen(self.dibao_urban / self.dibao_rural) if self.dibao_rural else ZERO

    @property
    def ratio_target(self) -> Decimal:
        return to_fen(self.ratio_target_pct / HUNDRED)

    @property
    def ratio_within_target(self) -> bool:
        return self.urban_rural_ratio <= self.ratio_target

    def tekun_dispersed(self, care_level: str) -> Decimal:
        """Dispersed (分散) support of one destitute person: basic standard plus care."""
        return self.tekun_basic + self.care[care_level]

    def tekun_institutional(self, care_level: str) -> Decimal:
        return to_yuan(share(self.tekun_dispersed(care_level), self.institutional_pct))


def standards_for(
    region: Region, year: int, policy: Policy | None = None, *, residence: str = Residence.URBAN
) -> Standards:
    """The standards of ``region`` in ``year`` for an urban (the default, and the one standard
    where the region sets no rural one) or rural residence."""
    policy = policy or policy_for(region, year)
    wage = policy["minimum_wage_monthly"]
    share_pct = policy["dibao_share_of_minimum_wage_pct"]
    from_share = to_yuan(share(wage, share_pct))
    urban_set = policy.get("dibao_standard_monthly")
    rural_set = policy.get("dibao_standard_rural_monthly")
    # Not Policy.dibao_standard(): that rounds half to even, the documents round half up.
    urban = to_yuan(urban_set) if urban_set is not None else from_share
    rural = to_yuan(rural_set) if rural_set is not None else urban
    standard, is_set = (
        (rural, rural_set is not None)
        if residence == Residence.RURAL
        else (urban, urban_set is not None)
    )
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
    asset_multiple = policy["dibao_asset_limit_multiple"]
    return Standards(
        region=region,
        year=year,
        residence=residence,
        minimum_wage=wage,
        dibao_share_pct=share_pct,
        dibao_from_share=from_share,
        dibao_standard=standard,
        dibao_is_set=is_set,
        dibao_urban=urban,
        dibao_rural=rural,
        ratio_target_pct=policy["dibao_urban_rural_ratio_target_pct"],
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
        asset_multiple=asset_multiple,
        asset_limit=standard * asset_multiple,
        expenditure_band_pct=expenditure_band,
        expenditure_ceiling=to_fen(share(standard, HUNDRED + expenditure_band)),
        rigid_spending_pct=policy["discovery_rigid_spending_pct"],
    )


def work_deduction(member: Member, standards: Standards, on: dt.date) -> Decimal:
    """The cost of working deducted from a member's income, 003 item 7:
    「对已就业的低保对象,在核算其家庭收入时扣减必要的就业成本」 — only for a member recorded as
    employed (已就业) and of working age; 002's 20%-30% of the income is the policy's share.
    Earning without being employed (a pension, rent, help from relatives) deducts nothing."""
    low, high = WORKING_AGE
    if member.is_employed and low <= member.age_on(on) < high and member.monthly_income > 0:
        return to_fen(share(member.monthly_income, standards.work_deduction_pct))
    return ZERO


@dataclass(frozen=True)
class AssetTest:
    """000 (its garbled script mended, the figure lost): 「將特困人員和低保邊緣家庭人均金融資產
    標準確定為當地低保標準?倍以內」 — the multiple is ``dibao_asset_limit_multiple``.

    Reading: the seed sets this limit for 特困 persons and 低保边缘 households; 低保 itself is
    for households 「符合财产状况规定」 (001) without a figure, and a 低保边缘 household is one
    just above 低保, so the same per-person limit is the one 低保 by calculation must meet (the
    test is applied to the household's 低保 computation and shown with its figures). Per person
    over the members of that computation — the same divisor as its income: a 特困 or 单人纳保
    member is assessed on their own and left out of both. A household of 特困 members only
    divides by one."""

    assets: Decimal
    size: int
    per_person: Decimal
    multiple: int
    limit: Decimal  # per person

    @property
    def passes(self) -> bool:
        return self.per_person <= self.limit


def asset_test(household: Household, size: int, standards: Standards) -> AssetTest | None:
    """None when the household's financial assets are not known (no asset data). ``size``: the
    members of the household's 低保 computation (``AssetTest``)."""
    if household.financial_assets is None:
        return None
    return AssetTest(
        assets=household.financial_assets,
        size=size,
        per_person=to_fen(household.financial_assets / max(size, 1)),
        multiple=standards.asset_multiple,
        limit=standards.asset_limit,
    )


def in_dibao_computation(member: Member) -> bool:
    """Neither 特困 nor 单人纳保: the member counts in the household's 低保 computation."""
    return member.personal_status not in (Coverage.TEKUN, Coverage.SINGLE_DIBAO)


@dataclass(frozen=True)
class Countable:
    """The income of the members of a household's 低保 computation: ``per_person_exact`` is not
    rounded (the gap is computed from it), ``per_person`` is to the fen (shown)."""

    size: int
    income: Decimal
    deducted: Decimal
    per_person_exact: Decimal

    @property
    def per_person(self) -> Decimal:
        return to_fen(self.per_person_exact)


def countable_income(members: list[Member], standards: Standards, on: dt.date) -> Countable:
    """Countable income (income less the work-cost deduction, ``work_deduction``) of the
    members in the household's 低保 computation (``in_dibao_computation``). The calculator and
    the discovery rules (低收入, 支出型) both read a household's income per person from here."""
    rest = [m for m in members if in_dibao_computation(m)]
    income = sum((m.monthly_income for m in rest), ZERO)
    deducted = sum((work_deduction(m, standards, on) for m in rest), ZERO)
    size = len(rest)
    return Countable(
        size=size,
        income=income,
        deducted=deducted,
        per_person_exact=(income - deducted) / size if size else ZERO,
    )


@dataclass(frozen=True)
class MemberLine:
    """What one member gets: ``basis`` is the Coverage it is computed as (特困 support, 单人纳保,
    the household's 低保 share, or nothing)."""

    member: Member
    basis: str  # Coverage value
    income: Decimal
    deduction: Decimal  # work cost deducted from earned income
    standard: Decimal  # 特困: the basic standard; 低保 lines: the 低保 standard
    care: Decimal  # 特困: the care standard of the member's care level
    monthly: Decimal

    @property
    def countable(self) -> Decimal:
        return self.income - self.deduction

    @property
    def basis_label(self) -> str:
        return Coverage(self.basis).label


@dataclass(frozen=True)
class Entitlement:
    """A household's indicative monthly entitlement, member by member: what the rules give,
    before any decision. ``size``, ``income`` and what follows them are those of the members in
    the household's 低保 computation (neither 特困 nor 单人纳保)."""

    standards: Standards
    household_tier: str
    lines: list[MemberLine]
    size: int
    income: Decimal
    deductions: Decimal
    countable_per_person: Decimal
    dibao_gap_per_person: Decimal  # standard minus countable income, never below 0
    qualifies_by: str  # "decision" (household_tier 低保), "calculation", or ""
    assets: AssetTest | None
    temporary_range: tuple[Decimal, Decimal]

    def _total(self, basis: str) -> Decimal:
        return sum((line.monthly for line in self.lines if line.basis == basis), ZERO)

    @property
    def dibao_monthly(self) -> Decimal:
        """The household's 低保 top-up (its members' shares)."""
        return self._total(Coverage.DIBAO)

    @property
    def tekun_monthly(self) -> Decimal:
        return self._total(Coverage.TEKUN)

    @property
    def single_dibao_monthly(self) -> Decimal:
        return self._total(Coverage.SINGLE_DIBAO)

    @property
    def monthly(self) -> Decimal:
        return sum((line.monthly for line in self.lines), ZERO)


def household_entitlement(
    household: Household, *, on: dt.date, year: int | None = None
) -> Entitlement:
    """Each member's indicative entitlement, with the standards of the household's village and
    residence (urban or rural) in ``year`` (default: the year of ``on``, the day ages count on).

    - A 特困 member gets dispersed support: the basic standard plus the care standard of their
      care level. Reading: 特困 support (救助供养) is the person's whole basic living, so the
      member is left out of the household's 低保 computation — neither their income nor their
      head counts in its per-capita income — rather than being paid both.
    - A 单人纳保 member is 「参照单人户纳入最低生活保障范围」 (003): a household of one, the
      standard less their own countable income, and likewise left out of the household's count.
    - The others share the household's 低保 top-up, (standard − countable income per person) each,
      where the household qualifies: its own status is 低保 (a decision), or its countable
      income per person is below the standard and it does not fail the asset test (001:
      「人均收入低于当地最低生活保障标准且符合财产状况规定的家庭」).
    - Countable income is income less the work-cost deduction of employed members
      (``work_deduction``), per person over the members of the 低保 computation
      (``countable_income``); the share is rounded to the fen once, from the unrounded income.
    - The asset test (``AssetTest``) divides by the same members.
    """
    members = list(household.members.all())
    standards = standards_for(
        household.region, on.year if year is None else year, residence=household.residence
    )
    counted = countable_income(members, standards, on)
    assets = asset_test(household, counted.size, standards)
    tekun, single, rest = [], [], []
    for member in members:
        if member.personal_status == Coverage.TEKUN:
            tekun.append(member)
        elif member.personal_status == Coverage.SINGLE_DIBAO:
            single.append(member)
        else:
            rest.append(member)
    deductions = {member.pk: work_deduction(member, standards, on) for member in single + rest}
    size, income, deducted = counted.size, counted.income, counted.deducted
    countable = counted.per_person
    # Rounded once, at the end: each member's share is (standard − the unrounded countable
    # income per person) to the fen, so a household's top-up is size × standard − its countable
    # income, split (the seeds set no rounding; rounding the income first would lose a fen).
    gap = to_fen(max(standards.dibao_standard - counted.per_person_exact, ZERO))
    if household.household_tier == HouseholdTier.DIBAO:
        qualifies_by = "decision"
    elif size and gap > 0 and (assets is None or assets.passes):
        qualifies_by = "calculation"
    else:
        qualifies_by = ""
    lines = {}
    for member in tekun:
        care = standards.care[member.care_level]
        lines[member.pk] = MemberLine(
            member=member,
            basis=Coverage.TEKUN,
            income=member.monthly_income,
            deduction=ZERO,
            standard=standards.tekun_basic,
            care=care,
            monthly=to_fen(standards.tekun_basic + care),
        )
    for member in single:
        own = member.monthly_income - deductions[member.pk]
        lines[member.pk] = MemberLine(
            member=member,
            basis=Coverage.SINGLE_DIBAO,
            income=member.monthly_income,
            deduction=deductions[member.pk],
            standard=standards.dibao_standard,
            care=ZERO,
            monthly=to_fen(max(standards.dibao_standard - own, ZERO)),
        )
    for member in rest:
        lines[member.pk] = MemberLine(
            member=member,
            basis=Coverage.DIBAO if qualifies_by else Coverage.NONE,
            income=member.monthly_income,
            deduction=deductions[member.pk],
            standard=standards.dibao_standard,
            care=ZERO,
            monthly=to_fen(gap) if qualifies_by else ZERO,
        )
    return Entitlement(
        standards=standards,
        household_tier=household.household_tier,
        lines=[lines[member.pk] for member in members],
        size=size,
        income=to_fen(income),
        deductions=to_fen(deducted),
        countable_per_person=countable,
        dibao_gap_per_person=to_fen(gap),
        qualifies_by=qualifies_by,
        assets=assets,
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
