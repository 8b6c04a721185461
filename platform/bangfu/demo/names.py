"""Chinese names for the demo: surnames by people, given names by generation and sex."""

import random

from bangfu.demo.builder import name_data


def weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _generation(birth_year: int) -> str:
    if birth_year < 1956:
        return "before_1956"
    if birth_year < 1976:
        return "1956_1975"
    if birth_year < 1996:
        return "1976_1995"
    return "after_1995"


class NameMaker:
    """Draws names from the pools in ``data/names.json``."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pools = name_data()

    def people(self, ethnic_mix: dict) -> str:
        """One of han / hani / yi / dai, by the township's mix."""
        return weighted(self.rng, ethnic_mix)

    def surname(self, people: str) -> str:
        return weighted(self.rng, self.pools["surnames"][people])

    def given(self, *, sex: str, birth_year: int, people: str = "han") -> str:
        given = self.pools["given"]
        # Older Dai people often carry 岩 (men) and 玉 (women) names.
        if people == "dai" and birth_year < 1985 and self.rng.random() < 0.45:
            return self.rng.choice(given["dai_traditional"][sex])
        return self.rng.choice(given[_generation(birth_year)][sex])

    def full(self, *, sex: str, birth_year: int, people: str = "han", surname: str = "") -> str:
        return (surname or self.surname(people)) + self.given(
            sex=sex, birth_year=birth_year, people=people
        )
