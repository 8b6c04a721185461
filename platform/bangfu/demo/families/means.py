"""Income and savings: a target income per person spread over pensions and earners, and the
financial assets on file."""

from decimal import Decimal

from bangfu.demo.families.plans import HouseholdPlan, Work
from bangfu.registry.models import HouseholdTier, Tier

# Per-person monthly income as a share of the 低保 standard, by tier: (low, high).
INCOME_RATIO = {
    Tier.TEKUN: (0.0, 0.3),
    Tier.DIBAO: (0.15, 0.95),
    Tier.MARGINAL: (1.0, 1.5),
    Tier.EXPENDITURE: (1.1, 1.9),
    Tier.NONE: (0.5, 1.8),
}
# 低保 households whose income has just risen above the standard: the decisions step exits them
# with a 渐退期 (003), during which they keep their 低保.
DIBAO_EXIT_PERIOD_SHARE = 0.05
MIN_GRADUAL_EXITS = 2  # however small the demo
# Financial assets (家庭金融资产) known for this share of households, in yuan per person by tier:
# (low, high); a few 低保 households hold much more (the asset test's cases).
ASSETS_KNOWN_SHARE = 0.6
ASSETS_PER_PERSON = {
    Tier.TEKUN: (0, 2500),
    Tier.DIBAO: (0, 6000),
    Tier.MARGINAL: (1000, 15000),
    Tier.EXPENDITURE: (2000, 20000),
    Tier.NONE: (0, 12000),
}
DIBAO_ASSETS_ABOVE_SHARE = 0.03


def _income(rng, plan: HouseholdPlan, standard: Decimal) -> None:
    """Spread a target per-person income over pensions and the members who can work."""
    low, high = INCOME_RATIO[plan.tier]
    if plan.shape == "tekun_in_family":  # the others' income, as their own status says
        uncovered = plan.household_tier == HouseholdTier.NONE
        low, high = (1.5, 2.2) if uncovered else INCOME_RATIO[str(plan.household_tier)]
    if plan.tier == Tier.DIBAO and (rng.random() < DIBAO_EXIT_PERIOD_SHARE or plan.gradual_exit):
        low, high = 1.0, 1.15
        plan.gradual_exit = True
    target = Decimal(str(rng.uniform(low, high))) * standard * len(plan.people)
    # Rural residents' basic pension in Yunnan is a little under 200 yuan a month.
    pensioners = [p for p in plan.people if p.age >= 60]
    pensions = {id(p): Decimal(rng.randint(168, 260)) for p in pensioners}
    total_pension = sum(pensions.values(), Decimal("0"))
    if total_pension > target and total_pension:
        scale = target / total_pension
        pensions = {key: value * scale for key, value in pensions.items()}
        total_pension = target
    shares = {Work.FULL: Decimal(1), Work.PARTIAL: Decimal("0.4")}
    earners = [p for p in plan.people if p.age < 60 and p.work_ability in shares]
    rest = target - total_pension
    weight = sum((shares[p.work_ability] for p in earners), Decimal("0"))
    for person in plan.people:
        income = pensions.get(id(person), Decimal("0"))
        if person in earners:
            income += rest * shares[person.work_ability] / weight
            person.income_is_irregular = rng.random() < 0.65  # farm work, day labour
            person.is_employed = not person.income_is_irregular  # a wage or a public post
        elif not earners and person in pensioners:
            income += rest / len(pensioners)  # support from children elsewhere, land rent
        elif not earners and not pensioners and person is plan.people[0]:
            income += rest  # orphan's or disabled person's allowance from relatives
        person.monthly_income = income.quantize(Decimal("1")).quantize(Decimal("0.01"))


def _assets(rng, plan: HouseholdPlan) -> None:
    """Savings and deposits, when the household's asset check is on file."""
    if rng.random() >= ASSETS_KNOWN_SHARE:
        return
    low, high = ASSETS_PER_PERSON[plan.tier]
    per_person = rng.randint(low, high)
    if plan.tier == Tier.DIBAO and rng.random() < DIBAO_ASSETS_ABOVE_SHARE / ASSETS_KNOWN_SHARE:
        per_person = rng.randint(25_000, 60_000)  # the asset test's cases
    plan.financial_assets = Decimal(round(per_person * len(plan.people), -1)).quantize(
        Decimal("0.01")
    )
