"""Allocation: feasible, exact, top tier first, and never worse than the baselines."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.allocation import (
    allocate,
    allocate_fcfs,
    allocate_greedy,
    allocate_split,
    pair_values,
    protected_servable,
)
from matching.bundles import allocate_bundled, bundle_stats
from matching.candidates import brute_force_candidates, generate_candidates
from matching.scoring import score_candidates
from matching.synthetic import make_instance
from tests.matching.instances import random_instance, with_priority

instances = st.builds(
    lambda seed, n, m: random_instance(seed, n, m),
    st.integers(0, 100_000),
    st.integers(1, 40),
    st.integers(1, 20),
)


def scored_instance(instance):
    needs, providers, _budgets = instance
    return (
        needs,
        providers,
        score_candidates(needs, providers, generate_candidates(needs, providers)),
    )


def assert_feasible(needs, providers, scored, allocation):
    chosen = allocation.provider >= 0
    # capacities never exceeded
    assert np.all(allocation.load(len(providers)) <= providers.capacity)
    # every allocated pair is a candidate, so no hard constraint is violated
    reference = brute_force_candidates(needs, providers)
    for i in np.flatnonzero(chosen):
        row = reference.provider[reference.ptr[i] : reference.ptr[i + 1]]
        assert allocation.provider[i] in row
    pairs = allocation.pair[chosen]
    assert np.array_equal(scored.candidates.provider[pairs], allocation.provider[chosen])
    assert np.array_equal(scored.candidates.need[pairs], np.flatnonzero(chosen))


@settings(max_examples=40, deadline=None)
@given(instance=instances)
def test_allocations_respect_capacity_and_every_hard_constraint(instance):
    needs, providers, scored = scored_instance(instance)
    for method in (allocate, allocate_fcfs, allocate_greedy, allocate_bundled):
        assert_feasible(needs, providers, scored, method(needs, providers, scored))


def brute_force_best(needs, providers, scored, protect):
    """The best allocations by enumeration, from the float values and from the rounded ones.

    Returns (protected served, best rounded key, best float value): the rounded key is
    (units of the rounded ``priority × score`` before the step, needs served by a pair worth
    nothing), the most protected needs first when ``protect``.
    """
    cand = scored.candidates
    values = pair_values(needs, scored)
    nothing = (values.value_int == 1) & (values.step > 1)
    base = np.where(nothing, 0, values.value_int // values.step)
    options = [[-1, *range(cand.ptr[i], cand.ptr[i + 1])] for i in range(len(needs))]
    best_rounded, best_float = (-1, -1, -1), (-1, -np.inf)
    for choice in itertools.product(*options):
        pairs = np.array([a for a in choice if a >= 0], dtype=np.int64)
        load = np.bincount(cand.provider[pairs], minlength=len(providers))
        if np.any(load > providers.capacity):
            continue
        served = int(needs.protected[cand.need[pairs]].sum()) if protect else 0
        rounded = (served, int(base[pairs].sum()), int(nothing[pairs].sum()))
        best_rounded = max(best_rounded, rounded)
        best_float = max(best_float, (served, float(values.value[pairs].sum()), pairs.size))
    return best_rounded, best_float, values


def zero_some(instance, zeros):
    needs, providers, budgets = instance
    priority = np.where(np.resize(zeros, len(needs)), 0.0, needs.priority)
    return with_priority(needs, priority), providers, budgets


tiny = st.builds(
    lambda seed, n, m, zeros: zero_some(random_instance(seed, n, m, constraints=False), zeros),
    st.integers(0, 100_000),
    st.integers(1, 5),
    st.integers(1, 4),
    st.lists(st.booleans(), min_size=1, max_size=5),
)


@settings(max_examples=80, deadline=None)
@given(instance=tiny, protect=st.booleans())
def test_allocation_is_the_brute_force_optimum_on_tiny_instances(instance, protect):
    needs, providers, scored = scored_instance(instance)
    if np.prod([c + 1 for c in scored.candidates.counts()]) > 20_000:
        return
    rounded, (served, best, best_size), values = brute_force_best(needs, providers, scored, protect)
    result = allocate(needs, providers, scored, protect=protect)
    if protect:
        assert result.protected_served == served == rounded[0]
    # exact on the rounded values, and among allocations tying on them it serves the most
    # needs worth nothing
    assert divmod(result.objective_int, values.step) == rounded[1:]
    # within ½ unit per need served (by it or by the best) of the best float value
    unit = values.step / values.scale
    assert result.objective >= best - 0.5 * unit * (best_size + result.n_allocated) - 1e-9


@settings(max_examples=40, deadline=None)
@given(instance=instances)
def test_allocation_is_never_below_the_baselines(instance):
    needs, providers, scored = scored_instance(instance)
    plain = allocate(needs, providers, scored, protect=False)
    protecting = allocate(needs, providers, scored)
    for baseline in (
        allocate_fcfs(needs, providers, scored),
        allocate_greedy(needs, providers, scored),
    ):
        assert plain.objective_int >= baseline.objective_int
        # with the floor: never fewer protected needs, and never less value for as many
        assert protecting.protected_served >= baseline.protected_served
        if protecting.protected_served == baseline.protected_served:
            assert protecting.objective_int >= baseline.objective_int


@settings(max_examples=40, deadline=None)
@given(instance=instances)
def test_top_tier_is_served_as_far_as_any_allocation_could(instance):
    needs, providers, scored = scored_instance(instance)
    result = allocate(needs, providers, scored)
    assert result.protected_servable == protected_servable(needs, providers, scored.candidates)
    assert result.protected_served == result.protected_servable


def test_the_floor_serves_a_protected_need_that_weights_alone_would_not():
    # Two needs, one seat: the unprotected need is worth more, the protected one must win.
    from matching.types import Needs, Providers

    needs = Needs(
        id=[1, 2],
        household=[1, 2],
        category=[0, 0],
        lat=[23.6, 23.6],
        lon=[102.0, 102.0],
        priority=[90.0, 40.0],
        protected=[False, True],
    )
    providers = Providers(
        id=[7], kind=[0], skill=[[1.0]], lat=[23.6], lon=[102.0], radius_km=[5.0], capacity=[1]
    )
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    assert allocate(needs, providers, scored, protect=False).provider.tolist() == [0, -1]
    assert allocate(needs, providers, scored).provider.tolist() == [-1, 0]


def test_split_by_county_matches_one_flow_when_no_pair_crosses():
    instance = make_instance("small", random_state=2)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    one = allocate(needs, providers, scored)
    split = allocate_split(
        needs, providers, scored, np.zeros(len(needs), int), np.zeros(len(providers), int)
    )
    assert split.objective_int == one.objective_int
    halves = allocate_split(needs, providers, scored, needs.id % 2, providers.id % 2)
    assert halves.objective_int <= one.objective_int


def test_bundling_costs_little_and_uses_fewer_providers_per_household():
    instance = make_instance("small", random_state=4)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    plain = allocate(needs, providers, scored)
    none = allocate_bundled(needs, providers, scored, strength=0.0)
    bundled = allocate_bundled(needs, providers, scored, strength=0.5)
    assert none.objective_int == plain.objective_int
    assert bundled.objective_int <= plain.objective_int
    assert bundled.objective >= 0.9 * plain.objective
    assert (
        bundle_stats(needs, bundled)["providers_per_household"]
        <= bundle_stats(needs, plain)["providers_per_household"]
    )
    assert bundled.protected_served == plain.protected_served
