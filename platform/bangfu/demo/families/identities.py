"""Names, birth dates and ID numbers of the people planned."""

import datetime as dt
import random

from bangfu.core.id_numbers import check_character
from bangfu.demo.families.plans import HouseholdPlan, Relation
from bangfu.demo.names import NameMaker


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
