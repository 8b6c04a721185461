"""Shapes: who lives together, by the kind of household drawn."""

from bangfu.demo.families.plans import PersonPlan, Relation
from bangfu.demo.names import weighted
from bangfu.registry.models import Tier

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
