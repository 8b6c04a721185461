"""The vectorised hard constraints (checked rule by rule only where a rule can bite) against a
plain per-pair reading of constraints 4–11 on random instances."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.candidates import admissible
from matching.types import AGE_UNLIMITED, ANY, POW10, REGION_DIGITS
from tests.matching.instances import random_instance


def _one_pair(needs, providers, i, j) -> bool:
    if providers.capacity[j] <= 0:
        return False
    if not (providers.tiers[j] >> needs.tier[i]) & 1:
        return False
    age, low, high = needs.age[i], providers.min_age[j], providers.max_age[j]
    if low > 0 and age < low:
        return False
    if high < AGE_UNLIMITED and not 0 <= age <= high:
        return False
    most, grade = providers.disability_max_grade[j], needs.disability_grade[i]
    if most > 0 and not 1 <= grade <= most:
        return False
    if providers.serves_gender[j] not in (ANY, needs.sex[i]):
        return False
    wants, gender = needs.wants_gender[i], providers.gender[j]
    if wants != ANY and gender not in (ANY, wants):
        return False
    if needs.languages[i] and not needs.languages[i] & providers.languages[j]:
        return False
    if needs.times[i] and providers.times[j] and not needs.times[i] & providers.times[j]:
        return False
    areas = range(providers.area_ptr[j], providers.area_ptr[j + 1])
    if len(areas) and not any(
        needs.region[i] // POW10[REGION_DIGITS - providers.area_digits[s]] == providers.area_code[s]
        for s in areas
    ):
        return False
    declined = needs.declined[needs.declined_ptr[i] : needs.declined_ptr[i + 1]]
    return providers.id[j] not in declined


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_the_vectorised_rules_agree_with_a_pair_by_pair_reading(seed):
    needs, providers, _budgets = random_instance(seed, 30, 15)
    need, provider = np.divmod(np.arange(len(needs) * len(providers)), len(providers))
    expected = [_one_pair(needs, providers, i, j) for i, j in zip(need, provider, strict=True)]
    assert admissible(needs, providers, need, provider).tolist() == expected
