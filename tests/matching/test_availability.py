"""When and in which language a provider can serve: the times constraint, the availability
score component and the language constraint, read from the engine's output."""

import numpy as np
import pytest

from matching.candidates import brute_force_candidates, generate_candidates
from matching.index import CandidateIndex
from matching.ranking import rank_candidates
from matching.scoring import ScoreWeights, availability, score_candidates
from matching.types import ALL_LANGUAGES, DAY_PARTS, WEEK_SLOTS, Needs, Providers
from tests.matching.instances import random_instance
from tests.matching.test_candidates import candidate_ids, need, two_providers

MORNING, AFTERNOON, EVENING = range(len(DAY_PARTS))


def slot(day: int, part: int) -> int:
    """The bit of one slot; Monday is day 1."""
    return 1 << ((day - 1) * len(DAY_PARTS) + part)


MONDAY_MORNING = slot(1, MORNING)
WEEKDAY_MORNINGS = sum(slot(day, MORNING) for day in range(1, 6))
SATURDAY = slot(6, MORNING) | slot(6, AFTERNOON) | slot(6, EVENING)


def test_a_need_with_preferred_times_gets_only_providers_free_at_one_of_them():
    assert candidate_ids(need(times=MONDAY_MORNING), two_providers(times=SATURDAY)) == [11]
    assert candidate_ids(need(times=WEEKDAY_MORNINGS), two_providers(times=MONDAY_MORNING)) == [
        11,
        12,
    ]


def test_a_provider_without_recorded_times_is_free_any_time():
    # Provider 11 records no times; provider 12 only Saturdays.
    assert candidate_ids(need(times=SATURDAY), two_providers(times=SATURDAY)) == [11, 12]
    assert candidate_ids(need(times=MONDAY_MORNING), two_providers(times=SATURDAY)) == [11]


def test_a_need_without_preferred_times_is_not_bound_by_them():
    assert candidate_ids(need(), two_providers(times=SATURDAY)) == [11, 12]


def test_times_outside_the_week_are_refused():
    with pytest.raises(ValueError, match="slots"):
        need(times=1 << WEEK_SLOTS)
    with pytest.raises(ValueError, match="slots"):
        two_providers(times=-1)


def test_a_provider_not_bound_by_language_serves_every_language():
    hani = 1 << 1
    assert candidate_ids(need(languages=hani), two_providers(languages=ALL_LANGUAGES)) == [12]


def test_a_need_without_languages_is_not_bound_by_them():
    assert candidate_ids(need(), two_providers(languages=1 << 2)) == [11, 12]


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_paths_agree_with_brute_force_on_times(seed):
    needs, providers, _budgets = random_instance(seed, 80, 30)
    rng = np.random.default_rng(seed)
    # Needs ask for one slot of the week; providers are free in up to three.
    times = np.where(rng.random(len(needs)) < 0.6, 1 << rng.integers(0, WEEK_SLOTS, len(needs)), 0)
    free = np.bitwise_or.reduce(1 << rng.integers(0, WEEK_SLOTS, (len(providers), 3)), axis=1)
    free = np.where(rng.random(len(providers)) < 0.7, free, 0)
    needs = Needs(**{**_columns(needs), "times": times})
    providers = Providers(**{**_columns(providers), "times": free})
    fast = generate_candidates(needs, providers)
    slow = brute_force_candidates(needs, providers)
    assert np.array_equal(fast.ptr, slow.ptr)
    assert np.array_equal(fast.provider, slow.provider)
    index = CandidateIndex().fit(providers)
    cached = index.candidates_for(needs)
    assert np.array_equal(cached.ptr, slow.ptr)
    assert np.array_equal(cached.provider, slow.provider)
    # Some pairs were refused for their times alone.
    unbound = generate_candidates(Needs(**{**_columns(needs), "times": 0 * times}), providers)
    assert len(unbound) > len(fast)


def _columns(table) -> dict:
    names = [*type(table)._COLUMNS]
    if isinstance(table, Needs):
        names += ["declined_ptr", "declined"]
    else:
        names += ["skill", "area_ptr", "area_code", "area_digits"]
    return {name: getattr(table, name) for name in names}


def test_availability_is_the_share_of_the_asked_times_the_provider_is_free_at():
    asked = np.array([WEEKDAY_MORNINGS] * 3)
    free = np.array([MONDAY_MORNING, WEEKDAY_MORNINGS | SATURDAY, 0])
    assert availability(asked, free, 6).tolist() == pytest.approx([0.2, 1.0, 1.0])


def test_without_asked_times_availability_is_how_much_of_the_week_is_free():
    free = np.array([MONDAY_MORNING, SATURDAY, WEEKDAY_MORNINGS | SATURDAY, 0])
    assert availability(np.zeros(4), free, 6).tolist() == pytest.approx([1 / 6, 0.5, 1.0, 1.0])


def test_the_provider_free_at_more_of_the_asked_times_ranks_first():
    # Provider 11 is free one weekday morning, provider 12 all five: otherwise the same.
    providers = two_providers(times=WEEKDAY_MORNINGS)
    providers = Providers(
        **{**_columns(providers), "times": np.array([MONDAY_MORNING, WEEKDAY_MORNINGS])}
    )
    needs = need(times=WEEKDAY_MORNINGS)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    ranking = rank_candidates(scored, k=2)
    assert providers.id[ranking.provider].tolist() == [12, 11]
    explained = ranking.explain(0, providers)
    assert [row["components"]["availability"]["value"] for row in explained] == pytest.approx(
        [1.0, 0.2]
    )
    # Without the component the two tie, and the tie goes to the provider listed first.
    flat = ScoreWeights(availability=0.0)
    tied = rank_candidates(
        score_candidates(needs, providers, generate_candidates(needs, providers), weights=flat),
        k=2,
    )
    assert providers.id[tied.provider].tolist() == [11, 12]


def test_the_weights_refuse_a_week_of_no_slots():
    with pytest.raises(ValueError, match="availability_full_slots"):
        ScoreWeights(availability_full_slots=0)
