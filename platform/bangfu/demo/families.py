"""Household plans for the demo: who lives together, their health, their work and their income.

Pure functions of a ``random.Random``: no database. The shares follow what a county of ~200,000
people in the Yunnan highlands sees: mostly 低保 households, many elderly living alone, left-behind
grandchildren whose parents work in the cities, disabled and chronically ill members.

A plan's ``tier`` is the kind of household drawn (it shapes who lives there and their income);
what the registry holds is per the law: the household's own status (``household_tier``) and each
member's personal status (特困, 单人纳保). Households of tier "none" came to the registry through
a 临时救助 grant after a crisis (``event``): no lasting status.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from bangfu.core.id_numbers import check_character
from bangfu.demo.names import NameMaker, weighted
from bangfu.registry.models import HouseholdTier, Member, PersonalStatus, Tier, is_severe_disability

Relation = Member.Relation
Disability = Member.Disability
Illness = Member.Illness
Care = Member.CareLevel
Work = Member.WorkAbility

TIER_SHARES = {
    Tier.TEKUN: 10,
    Tier.DIBAO: 60,
    Tier.MARGINAL: 15,
    Tier.EXPENDITURE: 8,
    Tier.NONE: 7,  # a crisis met by a 临时救助 grant
}
TIER_SHAPES = {
    Tier.TEKUN: {
        "elderly_alone": 55,
        "disabled_single": 22,
        "orphans": 13,
        "tekun_in_family": 10,
    },
    Tier.DIBAO: {
        "elderly_alone": 14,
        "elderly_couple": 15,
        "disabled_single": 8,
        "couple_with_children": 24,
        "left_behind": 15,
        "single_parent": 10,
        "three_generations": 14,
    },
    Tier.MARGINAL: {
        "couple_with_children": 30,
        "elderly_couple": 20,
        "left_behind": 15,
        "three_generations": 20,
        "single_parent": 15,
    },
    Tier.EXPENDITURE: {"three_generations": 45, "student_family": 30, "couple_with_children": 25},
    Tier.NONE: {
        "couple_with_children": 40,
        "elderly_couple": 20,
        "three_generations": 25,
        "single_parent": 15,
    },
}
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
VULNERABILITY = {
    Tier.TEKUN: 1.5,
    Tier.DIBAO: 1.2,
    Tier.MARGINAL: 1.0,
    Tier.EXPENDITURE: 1.0,
    Tier.NONE: 0.8,
}
# The household's own status beside a 特困 member (a severely disabled adult living with a
# sibling's family: siblings owe no support, so the person is 特困 alone).
TEKUN_FAMILY_TIERS = {HouseholdTier.DIBAO: 60, HouseholdTier.MARGINAL: 25, HouseholdTier.NONE: 15}
# The share of the severely disabled, seriously ill or dependent elderly members of 低保边缘 and
# 支出型 households enrolled alone (单人纳保; 000: 「低保边缘家庭中的重病患者、失能失智老年人实施
# 单人纳保」, 003: 「全面排查低收入家庭中…」); the others are left for the rules to find.
SINGLE_DIBAO_SHARE = 0.85
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
CHRONIC = ("高血压", "2型糖尿病", "慢性阻塞性肺疾病", "类风湿关节炎", "冠心病", "慢性肾病", "痛风")
SERIOUS_ADULT = (
    "尿毒症（血液透析）",
    "恶性肿瘤（化疗中）",
    "脑卒中后遗症",
    "肝硬化",
    "重症肌无力",
    "重度精神障碍",
)
SERIOUS_ELDERLY = ("脑卒中后遗症", "恶性肿瘤", "慢性心力衰竭", "阿尔茨海默病")
SERIOUS_CHILD = ("白血病", "先天性心脏病")
EVENTS = (
    "房屋失火，家中财物受损",
    "主要劳动力交通事故受伤，暂时无法务工",
    "家庭成员突发重病住院",
    "暴雨引发山体滑坡，房屋受损",
    "洪涝灾害致农作物绝收",
    "主要劳动力务工时受伤",
)
UNSUPPORTED_REASONS = ("父母重度残疾", "父亲服刑、母亲失联", "父母一方去世、另一方失联")


@dataclass(eq=False)  # people are compared by identity: twins are two people
class PersonPlan:
    relation: str
    sex: str
    age: int
    disability: str = Disability.NONE
    disability_grade: int | None = None
    illness: str = Illness.NONE
    illness_note: str = ""
    care_level: str = Care.SELF
    work_ability: str = Work.FULL
    is_orphan: bool = False
    is_unsupported_child: bool = False
    is_five_elders: bool = False
    student: bool = False
    monthly_income: Decimal = Decimal("0.00")
    income_is_irregular: bool = False
    is_employed: bool = False  # 已就业: a regular wage or a public-welfare post
    personal_status: str = PersonalStatus.NONE
    name: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""

    @property
    def severely_disabled(self) -> bool:
        return is_severe_disability(self.disability, self.disability_grade)


@dataclass
class HouseholdPlan:
    tier: str
    shape: str
    people: list[PersonPlan]
    event: str = ""  # what happened (a 临时救助 grant) or why children are unsupported
    notes: list[str] = field(default_factory=list)
    household_tier: str = HouseholdTier.NONE  # the household's own status
    financial_assets: Decimal | None = None  # yuan; None: not known
    gradual_exit: bool = False  # 低保 income just above the standard: exits with a 渐退期
    exited: bool = False  # left the registry (the decisions step's exits): no visits since

    @property
    def crisis(self) -> bool:
        """No lasting status: the household came through a 临时救助 grant after ``event``."""
        return self.tier == Tier.NONE

    @property
    def per_capita_income(self) -> Decimal:
        total = sum((p.monthly_income for p in self.people), Decimal("0"))
        return (total / len(self.people)).quantize(Decimal("0.01"))

    @property
    def has_irregular_working_age_income(self) -> bool:
        return any(p.income_is_irregular and 18 <= p.age < 60 for p in self.people)


def tier_quota(count: int) -> list[str]:
    """Exactly the tier mix for ``count`` households (largest remainders), in tier order."""
    total = sum(TIER_SHARES.values())
    exact = {tier: count * share / total for tier, share in TIER_SHARES.items()}
    quota = {tier: int(value) for tier, value in exact.items()}
    by_remainder = sorted(exact, key=lambda tier: exact[tier] - quota[tier], reverse=True)
    for tier in by_remainder[: count - sum(quota.values())]:
        quota[tier] += 1
    return [tier for tier in TIER_SHARES for _ in range(quota[tier])]


# --- shapes: who lives together -----------------------------------------------------------


def _elderly_alone(rng):
    age = int(rng.triangular(62, 95, 78))
    return [PersonPlan(Relation.HEAD, "F" if rng.random() < 0.6 else "M", age)]


def _elderly_couple(rng):
    age = int(rng.triangular(60, 90, 72))
    return [
        PersonPlan(Relation.HEAD, "M", age),
        PersonPlan(Relation.SPOUSE, "F", max(58, age - rng.randint(0, 6))),
    ]


def _disabled_single(rng):
    return [PersonPlan(Relation.HEAD, rng.choice("MF"), rng.randint(18, 62))]


def _orphans(rng):
    eldest = rng.randint(6, 17)
    people = [PersonPlan(Relation.HEAD, rng.choice("MF"), eldest, is_orphan=True)]
    if rng.random() < 0.35 and eldest > 6:
        people.append(
            PersonPlan(
                Relation.SIBLING, rng.choice("MF"), rng.randint(4, eldest - 1), is_orphan=True
            )
        )
    return people


def _children(rng, parent_age: int, count: int, relation=Relation.CHILD, oldest=17):
    top = max(0, min(oldest, parent_age - 20))
    return [PersonPlan(relation, rng.choice("MF"), rng.randint(0, top)) for _ in range(count)]


def _couple_with_children(rng):
    age = rng.randint(27, 52)
    people = [
        PersonPlan(Relation.HEAD, "M", age),
        PersonPlan(Relation.SPOUSE, "F", max(20, age - rng.randint(-2, 5))),
    ]
    people += _children(rng, age, weighted(rng, {1: 40, 2: 45, 3: 15}))
    return people


def _left_behind(rng):
    age = int(rng.triangular(52, 82, 64))
    people = [PersonPlan(Relation.HEAD, "M" if rng.random() < 0.7 else "F", age)]
    if people[0].sex == "M" and rng.random() < 0.65:
        people.append(PersonPlan(Relation.SPOUSE, "F", max(50, age - rng.randint(0, 5))))
    for _ in range(weighted(rng, {1: 45, 2: 40, 3: 15})):
        people.append(PersonPlan(Relation.GRANDCHILD, rng.choice("MF"), rng.randint(2, 15)))
    return people


def _single_parent(rng):
    age = rng.randint(26, 50)
    people = [PersonPlan(Relation.HEAD, "F" if rng.random() < 0.7 else "M", age)]
    people += _children(rng, age, weighted(rng, {1: 55, 2: 40, 3: 5}))
    return people


def _three_generations(rng):
    age = rng.randint(36, 58)
    people = [
        PersonPlan(Relation.HEAD, "M", age),
        PersonPlan(Relation.SPOUSE, "F", max(30, age - rng.randint(0, 5))),
        PersonPlan(Relation.PARENT, "F" if rng.random() < 0.6 else "M", age + rng.randint(22, 32)),
    ]
    people += _children(rng, age, weighted(rng, {1: 55, 2: 45}), oldest=21)
    return people


def _tekun_in_family(rng):
    """A severely disabled adult living with a brother's or sister's family."""
    age = rng.randint(32, 55)
    people = [
        PersonPlan(Relation.HEAD, "M", age),
        PersonPlan(Relation.SPOUSE, "F", max(26, age - rng.randint(0, 5))),
    ]
    people += _children(rng, age, weighted(rng, {1: 50, 2: 50}))
    people.append(PersonPlan(Relation.SIBLING, rng.choice("MF"), age + rng.randint(-8, 8)))
    return people


def _student_family(rng):
    age = rng.randint(40, 56)
    people = [
        PersonPlan(Relation.HEAD, "M", age),
        PersonPlan(Relation.SPOUSE, "F", max(36, age - rng.randint(0, 5))),
        PersonPlan(Relation.CHILD, rng.choice("MF"), rng.randint(18, 22), student=True),
    ]
    if rng.random() < 0.5:
        people.append(PersonPlan(Relation.CHILD, rng.choice("MF"), rng.randint(9, 17)))
    return people


SHAPES = {
    "elderly_alone": _elderly_alone,
    "elderly_couple": _elderly_couple,
    "disabled_single": _disabled_single,
    "orphans": _orphans,
    "couple_with_children": _couple_with_children,
    "left_behind": _left_behind,
    "single_parent": _single_parent,
    "three_generations": _three_generations,
    "student_family": _student_family,
    "tekun_in_family": _tekun_in_family,
}


# --- health, work, income ------------------------------------------------------------------


def _disable(rng, person: PersonPlan, types: dict, grades: dict) -> None:
    person.disability = weighted(rng, types)
    person.disability_grade = weighted(rng, grades)


ADULT_DISABILITY = {
    Disability.PHYSICAL: 40,
    Disability.INTELLECTUAL: 12,
    Disability.MENTAL: 15,
    Disability.VISUAL: 12,
    Disability.HEARING: 10,
    Disability.SPEECH: 5,
    Disability.MULTIPLE: 6,
}
ELDERLY_DISABILITY = {
    Disability.PHYSICAL: 40,
    Disability.VISUAL: 25,
    Disability.HEARING: 25,
    Disability.MULTIPLE: 10,
}
CHILD_DISABILITY = {
    Disability.INTELLECTUAL: 35,
    Disability.SPEECH: 20,
    Disability.PHYSICAL: 25,
    Disability.HEARING: 10,
    Disability.MULTIPLE: 10,
}
GRADES = {1: 10, 2: 20, 3: 35, 4: 35}


def _health(rng, person: PersonPlan, factor: float) -> None:
    if person.age >= 60:
        if rng.random() < 0.45:
            person.illness, person.illness_note = Illness.CHRONIC, rng.choice(CHRONIC)
        if rng.random() < 0.07 * factor:
            person.illness, person.illness_note = Illness.SERIOUS, rng.choice(SERIOUS_ELDERLY)
        if rng.random() < 0.12 * factor:
            _disable(rng, person, ELDERLY_DISABILITY, GRADES)
        semi, full = (
            (0.35, 0.15) if person.age >= 80 else (0.2, 0.05) if person.age >= 70 else (0.08, 0.02)
        )
        draw = rng.random()
        person.care_level = (
            Care.FULL if draw < full else Care.SEMI if draw < full + semi else Care.SELF
        )
        frail = person.illness != Illness.NONE or person.disability != Disability.NONE
        if person.care_level == Care.FULL and person.age < 75 and not frail:
            person.care_level = Care.SEMI  # full care before 75 comes with an illness or disability
        if person.illness_note == "阿尔茨海默病":
            person.care_level = Care.FULL
        if person.age >= 85 and rng.random() < 0.03:
            person.is_five_elders = True
    elif person.age >= 18:
        if rng.random() < 0.10:
            person.illness, person.illness_note = Illness.CHRONIC, rng.choice(CHRONIC)
        if rng.random() < 0.04 * factor:
            person.illness, person.illness_note = Illness.SERIOUS, rng.choice(SERIOUS_ADULT)
        if rng.random() < 0.06 * factor:
            _disable(rng, person, ADULT_DISABILITY, GRADES)
    else:
        if rng.random() < 0.03 * factor:
            _disable(rng, person, CHILD_DISABILITY, GRADES)
        if rng.random() < 0.01 * factor:
            person.illness, person.illness_note = Illness.SERIOUS, rng.choice(SERIOUS_CHILD)
    if person.severely_disabled and person.care_level == Care.SELF:
        person.care_level = Care.SEMI


def _work(person: PersonPlan) -> None:
    unable = person.severely_disabled or person.illness == Illness.SERIOUS
    if person.age < 18 or person.student:
        person.work_ability = Work.NONE
    elif person.age < 60:
        if unable or person.care_level == Care.FULL:
            person.work_ability = Work.NONE
        elif person.disability != Disability.NONE or person.illness == Illness.CHRONIC:
            person.work_ability = Work.PARTIAL
    elif person.age < 70 and not unable and person.care_level == Care.SELF:
        person.work_ability = Work.PARTIAL
    else:
        person.work_ability = Work.NONE


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


# --- names, birth dates, ID numbers --------------------------------------------------------


class IdentityMaker:
    """Names, birth dates and valid, unique resident ID numbers of one county."""

    def __init__(self, rng: random.Random, *, area: str, as_of: dt.date):
        self.rng, self.area, self.as_of = rng, area, as_of
        self.names = NameMaker(rng)
        self.used: set[str] = set()

    def birth_date(self, age: int) -> dt.date:
        """A birth date that makes the person ``age`` years old on the as-of date."""
        anniversary = dt.date(self.as_of.year - age, self.as_of.month, min(self.as_of.day, 28))
        return anniversary - dt.timedelta(days=self.rng.randint(1, 364))

    def id_number(self, birth: dt.date, sex: str) -> str:
        """Odd sequence digit for men, even for women; never the same number twice."""
        while True:
            sequence = self.rng.randrange(0, 1000, 2) + (1 if sex == "M" else 0)
            first17 = f"{self.area}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + check_character(first17)

    def fill(self, plan: HouseholdPlan, people: str) -> None:
        """Name everyone: spouses from another family, children after the head (mostly)."""
        names = self.names
        head = plan.people[0]
        family = names.surname(people)
        # Children carry their father's surname: the head's, or one from the absent father.
        father = family if head.sex == "M" or self.rng.random() < 0.4 else names.surname(people)
        for person in plan.people:
            person.birth_date = self.birth_date(person.age)
            person.id_number = self.id_number(person.birth_date, person.sex)
            if person is head or person.relation in {Relation.SIBLING}:
                surname = family
            elif person.relation in {Relation.CHILD, Relation.GRANDCHILD}:
                surname = father
            elif person.relation == Relation.PARENT:
                surname = family if person.sex == "M" else names.surname(people)
            else:
                surname = names.surname(people)
            person.name = names.full(
                sex=person.sex, birth_year=person.birth_date.year, people=people, surname=surname
            )
