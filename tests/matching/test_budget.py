"""Budget pools: never overspent, and the reported gap is honest about the LP bound."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.allocation import allocate
from matching.budget import allocate_with_budget, lp_bound
from matching.candidates import generate_candidates
from matching.scoring import score_candidates
from matching.synthetic import make_instance
from tests.matching.instances import random_instance

pooled = st.builds(
    lambda seed, n, m, pools: random_instance(seed, n, m, constraints=False, pools=pools),
    st.integers(0, 100_000),
    st.integers(1, 30),
    st.integers(1, 15),
    st.integers(1, 3),
)


def spent(providers, allocation, n_pools):
    chosen = allocation.provider[allocation.provider >= 0]
    paid = chosen[providers.pool[chosen] >= 0]
    return np.bincount(providers.pool[paid], weights=providers.unit_cost[paid], minlength=n_pools)


@settings(max_examples=40, deadline=None)
@given(instance=pooled)
def test_budget_is_never_exceeded_and_the_gap_matches_the_lp_bound(instance):
    needs, providers, budgets = instance
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    result = allocate_with_budget(needs, providers, scored, budgets, lp=True)
    assert np.all(spent(providers, result.allocation, budgets.shape[0]) <= budgets)
    assert np.array_equal(result.spend, spent(providers, result.allocation, budgets.shape[0]))
    assert np.all(result.allocation.load(len(providers)) <= providers.capacity)
    lp = lp_bound(needs, providers, scored, budgets, floor=result.floor)
    assert result.bound_kind == "lp"
    assert result.bound == pytest.approx(max(lp, result.allocation.objective_int / 1000), abs=1e-6)
    assert result.gap >= 0
    assert result.gap == pytest.approx(
        (result.bound - result.allocation.objective_int / 1000) / result.bound
        if result.bound
        else 0.0,
        abs=1e-9,
    )


@settings(max_examples=30, deadline=None)
@given(instance=pooled)
def test_lagrangian_bound_is_above_the_lp_bound_which_is_above_the_optimum(instance):
    needs, providers, budgets = instance
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    result = allocate_with_budget(needs, providers, scored, budgets)
    lp = lp_bound(needs, providers, scored, budgets, floor=result.floor)
    best = lp_bound(needs, providers, scored, budgets, floor=result.floor, integral=True)
    objective = result.allocation.objective_int / 1000
    assert result.bound_kind == "lagrangian"
    assert result.bound >= lp - 1e-6
    assert lp >= best - 1e-6
    assert best >= objective - 1e-6
    assert result.allocation.protected_served >= result.floor


def test_a_budget_that_does_not_bind_changes_nothing():
    needs, providers, _budgets = random_instance(21, 30, 15, constraints=False, pools=2)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    plenty = np.full(2, 10**12)
    result = allocate_with_budget(needs, providers, scored, plenty, protect=False)
    assert (
        result.allocation.objective_int
        == allocate(needs, providers, scored, protect=False).objective_int
    )
    assert result.gap == 0
    assert result.flows <= 2  # the first flow fits, then the polishing one: no search
    assert np.all(result.prices == 0)


def test_county_like_budget_is_close_to_the_lp_bound_with_few_flows():
    instance = make_instance("small", random_state=0)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    unconstrained = allocate(needs, providers, scored)
    result = allocate_with_budget(needs, providers, scored, instance.budgets, lp=True)
    assert np.all(result.spend <= instance.budgets)
    assert result.objective < unconstrained.objective  # the budgets bind
    assert result.gap < 0.005
    assert result.flows <= 13  # at most 12 searching, then the polishing one


def test_county_by_county_search_keeps_every_pool_within_budget():
    instance = make_instance("small", random_state=1)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    halves = dict(need_group=needs.household % 2, provider_group=providers.pool.clip(0) % 2)
    result = allocate_with_budget(needs, providers, scored, instance.budgets, **halves)
    assert np.all(result.spend <= instance.budgets)
    assert np.all(result.allocation.load(len(providers)) <= providers.capacity)
    assert 0 <= result.gap < 0.01
    paid_by_both = dict(need_group=needs.household % 2, provider_group=providers.id % 2)
    with pytest.raises(ValueError, match="pool"):
        allocate_with_budget(needs, providers, scored, instance.budgets, **paid_by_both)
