"""Candidate generation: one test per hard constraint, and the fast paths agree with brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.candidates import _PairKeys, brute_force_candidates, generate_candidates
from matching.index import CandidateIndex
from matching.types import FEMALE, MALE, TIERS, Needs, Providers
from tests.matching.instances import random_instance

HOME = (23.60, 102.00)
VILLAGE = 530428101201


def need(**columns) -> Needs:
    defaults = dict(
        id=[1],
        household=[1],
        category=[0],
        lat=[HOME[0]],
        lon=[HOME[1]],
        priority=[50.0],
        tier=[TIERS.index("dibao")],
        age=[70],
        sex=[FEMALE],
        region=[VILLAGE],
    )
    defaults.update({name: [value] for name, value in columns.items()})
    return Needs(**defaults)


def two_providers(**second) -> Providers:
    """Provider 11 fits; provider 12 is the same except for the columns given."""
    rows = [{}, second]
    base = dict(
        kind=1,
        skill=[1.0, 0.0],
        lat=HOME[0] + 0.01,  # about 1.1 km north
        lon=HOME[1],
        radius_km=5.0,
        capacity=2,
    )
    columns = {name: [] for name in base}
    extra = {name for row in rows for name in row if name not in base}
    defaults = {name: Providers._COLUMNS[name][1] for name in extra if name in Providers._COLUMNS}
    columns.update({name: [] for name in defaults})
    for row in rows:
        for name in columns:
            columns[name].append(row.get(name, base.get(name, defaults.get(name))))
    area = [row.get("area") for row in rows]
    codes = [code for codes in area if codes for code in codes]
    return Providers(
        id=[11, 12],
        **columns,
        area_ptr=np.concatenate([[0], np.cumsum([len(codes or ()) for codes in area])]),
        area_code=[code for code, _digits in codes],
        area_digits=[digits for _code, digits in codes],
    )


def candidate_ids(needs: Needs, providers: Providers) -> list[int]:
    found = generate_candidates(needs, providers)
    return sorted(providers.id[found.provider].tolist())


def test_the_reference_pair_is_a_candidate():
    assert candidate_ids(need(), two_providers()) == [11, 12]


def test_category_must_be_offered():
    assert candidate_ids(need(), two_providers(skill=[0.0, 1.0])) == [11]


def test_need_must_be_within_the_radius():
    assert candidate_ids(need(), two_providers(radius_km=1.0)) == [11]


def test_need_must_be_inside_the_service_area():
    other_township = (530428102, 9)
    own_county = (530428, 6)
    assert candidate_ids(need(), two_providers(area=[other_township])) == [11]
    assert candidate_ids(need(), two_providers(area=[other_township, own_county])) == [11, 12]
    assert candidate_ids(need(region=0), two_providers(area=[own_county])) == [11]


def test_a_provider_whose_areas_overlap_is_a_candidate_once():
    # The county holds the township: the need is found through both regions.
    own_township, own_county = (530428101, 9), (530428, 6)
    providers = two_providers(area=[own_county, own_township])
    assert candidate_ids(need(), providers) == [11, 12]
    assert np.array_equal(
        generate_candidates(need(), providers).provider,
        brute_force_candidates(need(), providers).provider,
    )


def test_provider_must_have_capacity_left():
    assert candidate_ids(need(), two_providers(capacity=0)) == [11]


def test_tier_must_be_eligible():
    tekun_only = 1 << TIERS.index("tekun")
    assert candidate_ids(need(), two_providers(tiers=tekun_only)) == [11]
    assert candidate_ids(need(tier=TIERS.index("tekun")), two_providers(tiers=tekun_only)) == [
        11,
        12,
    ]


def test_age_must_be_within_the_limits():
    children = dict(min_age=6, max_age=18)
    assert candidate_ids(need(age=70), two_providers(**children)) == [11]
    assert candidate_ids(need(age=12), two_providers(**children)) == [11, 12]
    assert candidate_ids(need(age=-1), two_providers(min_age=60)) == [11]


def test_disability_offer_takes_only_the_grades_it_is_for():
    severe_only = dict(disability_max_grade=2)
    assert candidate_ids(need(disability_grade=0), two_providers(**severe_only)) == [11]
    assert candidate_ids(need(disability_grade=3), two_providers(**severe_only)) == [11]
    assert candidate_ids(need(disability_grade=1), two_providers(**severe_only)) == [11, 12]


def test_gender_preferences_hold_both_ways():
    assert candidate_ids(need(sex=FEMALE), two_providers(serves_gender=MALE)) == [11]
    assert candidate_ids(need(wants_gender=FEMALE), two_providers(gender=MALE)) == [11]
    assert candidate_ids(need(wants_gender=FEMALE), two_providers(gender=FEMALE)) == [11, 12]


def test_language_must_be_shared():
    hani = 1 << 1
    reference = two_providers(languages=1)
    assert candidate_ids(need(languages=hani), reference) == []
    assert candidate_ids(need(languages=hani), two_providers(languages=1 | hani)) == [12]


def test_provider_that_declined_is_excluded():
    needs = Needs(
        id=[1],
        household=[1],
        category=[0],
        lat=[HOME[0]],
        lon=[HOME[1]],
        priority=[50.0],
        declined_ptr=[0, 1],
        declined=[12],
    )
    assert candidate_ids(needs, two_providers()) == [11]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 40), m=st.integers(1, 25))
def test_tree_search_finds_exactly_the_brute_force_pairs(seed, n, m):
    needs, providers, _budgets = random_instance(seed, n, m)
    fast = generate_candidates(needs, providers)
    slow = brute_force_candidates(needs, providers)
    assert np.array_equal(fast.ptr, slow.ptr)
    assert np.array_equal(fast.provider, slow.provider)
    np.testing.assert_allclose(fast.distance_km, slow.distance_km, rtol=1e-5)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_cached_index_agrees_with_the_batch_before_and_after_changes(seed):
    needs, providers, _budgets = random_instance(seed, 30, 20)
    index = CandidateIndex(min_rebuild=4).fit(providers)
    rng = np.random.default_rng(seed)
    for _round in range(3):
        batch = generate_candidates(needs, index.providers_)
        one_by_one = index.candidates_for(needs)
        assert np.array_equal(batch.ptr, one_by_one.ptr)
        assert np.array_equal(batch.provider, one_by_one.provider)
        j = int(rng.integers(0, len(providers)))
        index.update_provider(
            j,
            lat=23.6 + rng.uniform(0, 0.05),
            lon=102.0 + rng.uniform(0, 0.05),
            radius_km=rng.uniform(1, 8),
            skill=(rng.random(providers.n_categories) < 0.7).astype(np.float32),
            capacity=int(rng.integers(0, 3)),
        )
        index.update_provider(
            int(rng.integers(0, len(providers))),
            tiers=int(rng.choice([0b000011, 0b111111])),
            min_age=int(rng.choice([0, 60])),
            serves_gender=int(rng.choice([0, MALE, FEMALE])),
        )


def test_changed_provider_is_reindexed_without_rebuilding_the_rest():
    needs, providers, _budgets = random_instance(7, 40, 30, constraints=False)
    index = CandidateIndex().fit(providers)
    index.update_provider(0, lat=needs.lat[0], lon=needs.lon[0], radius_km=1.0)
    index.update_provider(1, capacity=0)
    after = index.candidates_for(needs)
    assert index.rebuilds_ == 0
    fresh = generate_candidates(needs, index.providers_)
    assert np.array_equal(after.provider, fresh.provider)


def test_index_rebuilds_a_category_lazily_once_its_overlay_is_large():
    needs, providers, _budgets = random_instance(3, 20, 30, n_categories=1, constraints=False)
    index = CandidateIndex(min_rebuild=2, rebuild_share=0.0).fit(providers)
    for j in range(3):
        index.update_provider(j, radius_km=2.0)
    assert index.rebuilds_ == 0
    index.candidates_for(needs.take([0]))
    assert index.rebuilds_ == 1
    fresh = generate_candidates(needs, index.providers_)
    assert np.array_equal(index.candidates_for(needs).provider, fresh.provider)


def test_new_providers_join_through_the_overlay():
    needs, providers, _budgets = random_instance(5, 20, 10, constraints=False)
    index = CandidateIndex().fit(providers.take(np.arange(6)))
    index.add_providers(providers.take(np.arange(6, 10)))
    assert index.rebuilds_ == 0
    fresh = generate_candidates(needs, providers)
    assert np.array_equal(index.candidates_for(needs).provider, fresh.provider)


def test_a_need_in_an_unknown_category_is_refused():
    with pytest.raises(ValueError, match="category"):
        generate_candidates(need(category=5), two_providers())


def test_pairs_come_out_the_same_when_distances_do_not_fit_in_the_sort_key():
    # Far-reaching providers push the distance out of the packed key: the slower path that
    # carries an arrival number instead must give the same candidates.
    needs, providers, _budgets = random_instance(12, 40, 20)
    packed = generate_candidates(needs, providers)
    keys = _PairKeys(len(needs), len(providers), max_km=1e30)
    assert not keys.packed
    cand = packed
    keys.add(cand.need[::-1].copy(), cand.provider[::-1].copy(), _millimetres_of(cand)[::-1])
    unpacked = keys.candidates()
    assert np.array_equal(unpacked.ptr, packed.ptr)
    assert np.array_equal(unpacked.provider, packed.provider)
    assert np.array_equal(unpacked.distance_km, packed.distance_km)


def _millimetres_of(candidates):
    return np.rint(candidates.distance_km.astype(np.float64) * 1e6).astype(np.int64)
