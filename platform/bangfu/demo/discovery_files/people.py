"""The people in the files: registered members, and strangers the registry does not know."""

import datetime as dt
import random
from dataclasses import dataclass, field

from bangfu.core.id_numbers import check_character
from bangfu.demo.names import NameMaker
from bangfu.regions.models import Region
from bangfu.registry.models import Member


@dataclass
class Person:
    """Someone who appears in a file: a registered member or a stranger to the registry."""

    id_number: str
    name: str
    village: Region
    birth_date: dt.date
    member: Member | None = None
    extra: dict = field(default_factory=dict)


class Strangers:
    """People the registry does not know: new, valid ID numbers of the county, never one a
    member already has."""

    def __init__(self, rng: random.Random, area: str, taken: set[str]):
        self.rng, self.area, self.taken = rng, area, taken
        self.names = NameMaker(rng)

    def make(self, village: Region, *, age: int, as_of: dt.date, sex: str | None = None) -> Person:
        sex = sex or self.rng.choice("MF")
        birth = dt.date(as_of.year - age, as_of.month, min(as_of.day, 28)) - dt.timedelta(
            days=self.rng.randint(1, 360)
        )
        while True:
            sequence = self.rng.randrange(500, 1000, 2) + (1 if sex == "M" else 0)
            first17 = f"{self.area}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.taken:
                self.taken.add(number)
                break
        name = self.names.full(sex=sex, birth_year=birth.year, people="han")
        return Person(id_number=number, name=name, village=village, birth_date=birth)
