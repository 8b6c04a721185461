"""Health and work: illness, disability and care needs by age, and who can work."""

from bangfu.demo.families.plans import Care, Disability, Illness, PersonPlan, Work
from bangfu.demo.names import weighted
from bangfu.registry.models import Tier

# How much more often illness and disability strike, by tier.
VULNERABILITY = {
    Tier.TEKUN: 1.5,
    Tier.DIBAO: 1.2,
    Tier.MARGINAL: 1.0,
    Tier.EXPENDITURE: 1.0,
    Tier.NONE: 0.8,
}
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
