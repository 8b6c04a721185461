"""One household drawn whole: its shape, health, work, income, statuses and savings; and the mix
of tiers for a county."""

import random
from decimal import Decimal

from bangfu.demo.families.health import (
    ADULT_DISABILITY,
    SERIOUS_ADULT,
    SERIOUS_ELDERLY,
    VULNERABILITY,
    _disable,
    _health,
    _work,
)
from bangfu.demo.families.means import _assets, _income
from bangfu.demo.families.plans import Care, HouseholdPlan, Illness, Relation
from bangfu.demo.families.shapes import SHAPES, TIER_SHAPES
from bangfu.demo.names import weighted
from bangfu.registry.models import HouseholdTier, PersonalStatus, Tier

TIER_SHARES = {
    Tier.TEKUN: 10,
    Tier.DIBAO: 60,
    Tier.MARGINAL: 15,
    Tier.EXPENDITURE: 8,
    Tier.NONE: 7,  # a crisis met by a 临时救助 grant
}
# The household's own status beside a 特困 member (a severely disabled adult living with a
# sibling's family: siblings owe no support, so the person is 特困 alone).
TEKUN_FAMILY_TIERS = {HouseholdTier.DIBAO: 60, HouseholdTier.MARGINAL: 25, HouseholdTier.NONE: 15}
# The share of the severely disabled, seriously ill or dependent elderly members of 低保边缘 and
# 支出型 households enrolled alone (单人纳保; 000: 「低保边缘家庭中的重病患者、失能失智老年人实施
# 单人纳保」, 003: 「全面排查低收入家庭中…」); the others are left for the rules to find.
SINGLE_DIBAO_SHARE = 0.85
EVENTS = (
    "房屋失火，家中财物受损",
    "主要劳动力交通事故受伤，暂时无法务工",
    "家庭成员突发重病住院",
    "暴雨引发山体滑坡，房屋受损",
    "洪涝灾害致农作物绝收",
    "主要劳动力务工时受伤",
)
UNSUPPORTED_REASONS = ("父母重度残疾", "父亲服刑、母亲失联", "父母一方去世、另一方失联")


def tier_quota(count: int) -> list[str]:
    """Exactly the tier mix for ``count`` households (largest remainders), in tier order."""
    total = sum(TIER_SHARES.values())
    exact = {tier: count * share / total for tier, share in TIER_SHARES.items()}
    quota = {tier: int(value) for tier, value in exact.items()}
    by_remainder = sorted(exact, key=lambda tier: exact[tier] - quota[tier], reverse=True)
    for tier in by_remainder[: count - sum(quota.values())]:
        quota[tier] += 1
    return [tier for tier in TIER_SHARES for _ in range(quota[tier])]


def plan_household(
    rng: random.Random, tier: str, standard: Decimal, *, gradual_exit: bool = False
) -> HouseholdPlan:
    """One household of the given tier; incomes measured against the 低保 ``standard``. A 低保
    household with ``gradual_exit`` (or by chance) earns just above it now."""
    shape = weighted(rng, TIER_SHAPES[tier])
    plan = HouseholdPlan(
        tier=tier, shape=shape, people=SHAPES[shape](rng), gradual_exit=gradual_exit
    )
    factor = VULNERABILITY[tier]
    for person in plan.people:
        _health(rng, person, factor)
    head = plan.people[0]
    if shape == "disabled_single" and not head.severely_disabled:
        # Living alone with a severe disability.
        _disable(rng, head, ADULT_DISABILITY, {1: 30, 2: 50})
        head.care_level = rng.choice((Care.SEMI, Care.FULL))
    if shape == "left_behind" and rng.random() < 0.15:
        plan.event = rng.choice(UNSUPPORTED_REASONS)
        for person in plan.people:
            person.is_unsupported_child = person.relation == Relation.GRANDCHILD
    # Expenditure hardship comes from a serious illness or disability (or, below, schooling).
    burdened = any(p.illness == Illness.SERIOUS or p.severely_disabled for p in plan.people)
    if tier == Tier.EXPENDITURE and shape != "student_family" and not burdened:
        adults = [p for p in plan.people if p.age >= 18] or plan.people
        patient = rng.choice(adults)
        patient.illness = Illness.SERIOUS
        patient.illness_note = rng.choice(SERIOUS_ELDERLY if patient.age >= 60 else SERIOUS_ADULT)
    if shape == "tekun_in_family":
        sibling = plan.people[-1]
        _disable(rng, sibling, ADULT_DISABILITY, {1: 40, 2: 60})
        sibling.care_level = rng.choice((Care.SEMI, Care.FULL))
        plan.household_tier = weighted(rng, TEKUN_FAMILY_TIERS)
    if tier == Tier.NONE:
        plan.event = rng.choice(EVENTS)
        if "受伤" in plan.event or "重病" in plan.event:
            adults = [p for p in plan.people if 18 <= p.age < 60] or plan.people
            injured = adults[0]
            injured.illness = Illness.SERIOUS
            injured.illness_note = "交通事故致骨折" if "交通" in plan.event else "急性重症住院"
    for person in plan.people:
        _work(person)
    _income(rng, plan, standard)
    _statuses(rng, plan)
    _assets(rng, plan)
    return plan


def _statuses(rng, plan: HouseholdPlan) -> None:
    """The household's own status and each member's (特困 and 单人纳保 are a person's)."""
    if plan.tier == Tier.TEKUN:
        if plan.shape == "tekun_in_family":
            plan.people[-1].personal_status = PersonalStatus.TEKUN
        else:  # everyone who lives alone or with an orphaned sibling is 特困 in their own right
            for person in plan.people:
                person.personal_status = PersonalStatus.TEKUN
        return
    if plan.tier != Tier.NONE:
        plan.household_tier = plan.tier
    if plan.tier in {Tier.MARGINAL, Tier.EXPENDITURE}:
        for person in plan.people:
            dependent = person.age >= 60 and person.care_level != Care.SELF
            candidate = person.severely_disabled or person.illness == Illness.SERIOUS or dependent
            if candidate and rng.random() < SINGLE_DIBAO_SHARE:
                person.personal_status = PersonalStatus.SINGLE_DIBAO
