"""Edge cases of the engine: bad input is refused naming the column and the row, and the odd but
valid instance (nobody offers the category, priorities of 0 or of 1e-4) gets the right answer."""

import numpy as np
import pytest

from matching.allocation import allocate, solve_flow
from matching.candidates import generate_candidates
from matching.index import CandidateIndex
from matching.scoring import score_candidates
from matching.success import SuccessModel
from matching.synthetic import make_instance, make_outcomes
from matching.types import FEMALE, MALE, Needs, Providers
from tests.matching.instances import random_instance, with_priority

NEED = dict(id=[1], household=[1], category=[0], lat=[23.6], lon=[102.0], priority=[10.0])
PROVIDERS = dict(
    id=[7, 8],
    kind=[0, 1],
    skill=[[1.0, 0.0], [0.5, 0.0]],
    lat=[23.6, 23.6],
    lon=[102.0, 102.0],
    radius_km=[5.0, 5.0],
    capacity=[1, 1],
)


def providers(**columns):
    return Providers(**{**PROVIDERS, **columns})


def needs(**columns):
    return Needs(**{**NEED, **columns})


# -- the cached index ----------------------------------------------------------------------


def test_ranking_a_need_whose_category_nobody_offers_gives_no_candidates():
    index = CandidateIndex().fit(providers())
    ranking = index.rank(needs(category=[1]), k=10)
    assert ranking.ptr.tolist() == [0, 0]
    assert len(ranking) == 0
    # positive control: the offered category finds both
    assert index.rank(needs(), k=10).ptr.tolist() == [0, 2]


def test_ranking_against_no_providers_gives_no_candidates():
    empty = Providers(
        id=np.zeros(0, dtype=np.int64),
        kind=np.zeros(0, dtype=np.int8),
        skill=np.zeros((0, 2), dtype=np.float32),
        lat=np.zeros(0),
        lon=np.zeros(0),
        radius_km=np.zeros(0),
        capacity=np.zeros(0, dtype=np.int32),
    )
    assert CandidateIndex().fit(empty).rank(needs(), k=10).ptr.tolist() == [0, 0]


# -- the success model ---------------------------------------------------------------------


def test_enough_outcomes_but_almost_no_failures_falls_back_to_the_prior():
    X, _y = make_outcomes(make_instance("small", random_state=5), 400, random_state=5)
    y = np.ones(400, dtype=np.int64)
    y[:2] = 0  # 2 failures: the calibration's 3 folds cannot each hold one
    model = SuccessModel(min_outcomes=300, random_state=0).fit(X, y)
    assert model.is_prior_
    assert np.allclose(model.predict_proba(X[:5])[:, 1], model.base_rate_)
    y[:3] = 0  # positive control: one in each fold, and it learns
    assert not SuccessModel(min_outcomes=300, random_state=0).fit(X, y).is_prior_


# -- refused input -------------------------------------------------------------------------


@pytest.mark.parametrize("radius", [np.inf, np.nan, -1.0])
def test_a_radius_that_is_not_a_finite_distance_is_refused(radius):
    with pytest.raises(ValueError, match=r"providers\.radius_km\[1\]"):
        providers(radius_km=[5.0, radius])


def test_capacities_beyond_int32_are_refused_not_wrapped():
    with pytest.raises(ValueError, match=r"providers\.capacity\[0\] = 4294967296"):
        providers(capacity=np.array([2**32, 1], dtype=np.int64), capacity_total=[2**32, 1])
    with pytest.raises(ValueError, match=r"providers\.unit_cost\[1\]"):
        providers(unit_cost=np.array([0, 2**64 - 1], dtype=np.uint64), pool=[0, 0])
    assert providers(capacity=np.array([2**31 - 1, 1], dtype=np.int64)).capacity[0] == 2**31 - 1


def test_a_five_point_rating_as_quality_is_refused():
    with pytest.raises(ValueError, match=r"providers\.quality\[1\] = 4\.5: must lie in \[0, 1\]"):
        providers(quality=[0.8, 4.5])
    assert np.isnan(providers(quality=[0.8, np.nan]).quality[1])  # not rated yet is fine


def test_capacity_above_the_total_is_refused():
    with pytest.raises(ValueError, match=r"providers\.capacity\[0\] = 3: .*capacity_total"):
        providers(capacity=[3, 1], capacity_total=[2, 1])
    index = CandidateIndex().fit(providers(capacity_total=[2, 2]))
    with pytest.raises(ValueError, match=r"providers\.capacity\[0\] = 3"):
        index.update_provider(0, capacity=3)
    index.update_provider(0, capacity=2)  # within the total


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (dict(quality=4.5), r"providers\.quality\[1\] = 4\.5"),
        (dict(unit_cost=50_000), r"providers\.pool\[1\] = -1: .*unit cost"),
        (dict(serves_gender=9), r"providers\.serves_gender\[1\] = 9"),
        (dict(capacity=2**32), r"providers\.capacity\[1\] = 4294967296"),
        (dict(radius_km=np.inf), r"providers\.radius_km\[1\] = inf"),
        (dict(skill=[1.5, 0.0]), r"providers\.skill\[1\]"),
        (dict(id=7), r"providers\.id\[1\] = 7: .*unique"),
    ],
)
def test_an_update_the_constructor_would_refuse_is_refused_and_leaves_the_index_as_it_was(
    update, message
):
    index = CandidateIndex().fit(providers())
    before = index.providers_.take([0, 1])
    with pytest.raises(ValueError, match=message):
        index.update_provider(1, **update)
    for name in (*Providers._COLUMNS, "skill"):
        assert np.array_equal(
            getattr(index.providers_, name), getattr(before, name), equal_nan=True
        ), name
    # a later, valid update still goes through and is used
    index.update_provider(1, capacity=0)
    assert index.rank(needs()).provider.tolist() == [0]


@pytest.mark.parametrize(
    ("make", "column"),
    [
        (lambda: needs(sex=[3]), r"needs\.sex\[0\] = 3"),
        (lambda: needs(wants_gender=[-1]), r"needs\.wants_gender\[0\] = -1"),
        (lambda: providers(gender=[MALE, 4]), r"providers\.gender\[1\] = 4"),
        (lambda: providers(serves_gender=[9, FEMALE]), r"providers\.serves_gender\[0\] = 9"),
    ],
)
def test_unknown_sex_codes_are_refused(make, column):
    with pytest.raises(ValueError, match=column):
        make()


def test_an_area_code_with_another_number_of_digits_than_it_says_is_refused():
    area = dict(area_ptr=[0, 1, 2], area_code=[530428101, 530428], area_digits=[9, 9])
    with pytest.raises(ValueError, match=r"providers\.area_code\[1\] = 530428: .*digits"):
        providers(**area)
    fine = providers(**{**area, "area_digits": [9, 6]})
    assert fine.area_code.tolist() == [530428101, 530428]


def test_a_unit_cost_without_a_pool_to_pay_it_is_refused():
    with pytest.raises(ValueError, match=r"providers\.pool\[1\] = -1: .*unit cost"):
        providers(unit_cost=[0, 50_000], pool=[-1, -1])
    assert providers(unit_cost=[0, 50_000], pool=[-1, 0]).pool.tolist() == [-1, 0]


def test_huge_priorities_are_refused_with_a_message():
    with pytest.raises(ValueError, match=r"needs\.priority\[0\] = 100000000000\.0: must be"):
        needs(priority=[1e11])
    with pytest.raises(ValueError, match=r"needs\.priority\[0\] = nan"):
        needs(priority=[np.nan])
    assert needs(priority=[1e9]).priority[0] == 1e9


def test_values_too_wide_for_the_solver_are_refused_before_it_runs():
    with pytest.raises(ValueError, match="too wide a range"):
        solve_flow(np.array([0]), np.array([0]), np.array([2**61]), np.array([1]), 1, 1)
    chosen, objective = solve_flow(
        np.array([0]), np.array([0]), np.array([2**40]), np.array([1]), 1, 1
    )
    assert chosen.tolist() == [0] and objective == 2**40


# -- values relative to the instance -------------------------------------------------------


def two_needs_one_provider(priorities, capacity):
    two = Needs(
        id=[1, 2],
        household=[1, 2],
        category=[0, 0],
        lat=[23.6, 23.6],
        lon=[102.0, 102.0],
        priority=priorities,
    )
    one = Providers(
        id=[7],
        kind=[0],
        skill=[[1.0]],
        lat=[23.6],
        lon=[102.0],
        radius_km=[5.0],
        capacity=[capacity],
    )
    scored = score_candidates(two, one, generate_candidates(two, one))
    return allocate(two, one, scored)


def test_a_priority_zero_need_is_served_by_idle_capacity():
    assert two_needs_one_provider([0.0, 10.0], 2).provider.tolist() == [0, 0]
    assert two_needs_one_provider([0.0, 0.0], 1).n_allocated == 1
    # but it never takes the seat a need worth something wants
    assert two_needs_one_provider([0.0, 10.0], 1).provider.tolist() == [-1, 0]


def test_tiny_priorities_are_allocated_as_their_multiples_are():
    needs_, providers_, _budgets = random_instance(3, 30, 12)
    scored = score_candidates(needs_, providers_, generate_candidates(needs_, providers_))
    plain = allocate(needs_, providers_, scored)
    scaled = allocate(with_priority(needs_, needs_.priority * 1e-5), providers_, scored)
    assert scaled.n_allocated == plain.n_allocated > 0
    assert scaled.objective == pytest.approx(plain.objective * 1e-5, rel=1e-4)


def test_the_resolution_tells_priorities_in_the_hundreds_apart():
    # Two needs, one seat, worth 300 and 300.001: at the old 2^17 units of the largest value
    # both rounded to 131072 and either could be seated.
    for priorities in ([300.0, 300.001], [300.001, 300.0]):
        result = two_needs_one_provider(priorities, 1)
        assert result.provider[int(np.argmax(priorities))] == 0
        assert result.n_allocated == 1
        assert result.scale * result.objective >= 2**30
