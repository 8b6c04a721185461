"""Budget pools: never overspent, and the reported gap is honest about the LP bound."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.matching import budget_servable_exact
from matching.allocation import allocate
from matching.budget import allocate_with_budget, budget_servable, lp_bound
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
    assert result.bound == pytest.approx(
        max(lp, result.allocation.objective_int / result.allocation.scale), abs=1e-6
    )
    assert result.gap >= 0
    assert result.gap == pytest.approx(
        (result.bound - result.allocation.objective_int / result.allocation.scale) / result.bound
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
    objective = result.allocation.objective_int / result.allocation.scale
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


def test_a_protected_need_whose_only_candidate_is_a_paid_project_is_served_first():
    # One project, money for one case: the unprotected need is worth more, the protected one
    # can be served by nobody else and must win.
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
        id=[7],
        kind=[3],
        skill=[[1.0]],
        lat=[23.6],
        lon=[102.0],
        radius_km=[5.0],
        capacity=[2],
        unit_cost=[100],
        pool=[0],
    )
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    unprotected = allocate_with_budget(needs, providers, scored, [100], protect=False)
    assert unprotected.allocation.provider.tolist() == [0, -1]
    result = allocate_with_budget(needs, providers, scored, [100])
    assert result.allocation.provider.tolist() == [-1, 0]
    assert result.floor == result.allocation.protected_served == 1
    assert result.allocation.protected_servable == 1


def test_the_floor_shifts_protected_needs_to_the_pool_that_can_still_pay():
    # The cheapest project's pool cannot pay it; the dearer one's can: the exact model finds it.
    need, provider = np.array([0]), np.array([0, 1])
    served, chosen, proven = budget_servable(
        need[[0, 0]],
        provider,
        np.array([0, 1]),
        np.array([10, 20]),
        np.array([1, 1]),
        np.array([5, 20]),
        1,
        2,
    )
    assert served == 1 and proven
    assert chosen.tolist() == [1]


def test_when_pool_money_serves_no_more_protected_needs_there_is_no_seed():
    # Two protected needs, one free provider and a project whose pool cannot pay a case: the
    # MIP serves exactly as many as the free provider does, so the search needs no seed (a
    # seed would make it refuse every repaired allocation that drops the paid case).
    served, chosen, proven = budget_servable(
        np.array([0, 0, 1]),
        np.array([0, 1, 0]),
        np.array([-1, 0, -1]),
        np.array([0, 100, 0]),
        np.array([1, 1]),
        np.array([50]),
        2,
        2,
    )
    assert (served, chosen.tolist(), proven) == (1, [], True)


def test_the_protected_mip_is_solved_to_a_zero_gap_and_a_time_limit_is_reported(monkeypatch):
    import matching.budget as budget

    real_milp, calls = budget.milp, []

    def timed_out(*args, options, **kwargs):
        calls.append(options)
        result = real_milp(*args, options=options, **kwargs)
        result.status, result.message = 1, "Time limit reached"
        if len(calls) > 1:  # the second time HiGHS had found no integer point at all
            result.x = None
        return result

    monkeypatch.setattr(budget.exact, "milp", timed_out)
    pairs = (np.array([0, 0]), np.array([0, 1]), np.array([0, 1]), np.array([10, 20]))
    args = (*pairs, np.array([1, 1]), np.array([5, 20]), 1, 2)
    served, chosen, proven = budget_servable(*args, time_limit=2.5)
    assert calls == [{"mip_rel_gap": 0.0, "time_limit": 2.5}]
    assert (served, chosen.tolist(), proven) == (1, [1], False)
    # nothing found in time: the free pairs' max flow (none here), never a failure
    served, chosen, proven = budget_servable(*args)
    assert (served, chosen.tolist(), proven) == (0, [], False)

    calls.clear()
    needs, providers, budgets = random_instance(9208, 23, 5, constraints=False, pools=3)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    result = allocate_with_budget(needs, providers, scored, budgets, floor_time_limit=4.0)
    assert calls[0]["time_limit"] == 4.0
    assert not result.floor_proven
    assert result.allocation.protected_served >= result.floor


def test_when_no_repaired_allocation_keeps_the_floor_the_exact_one_is_polished(monkeypatch):
    # An instance (found by search) where every flow's repair drops a protected need its pool
    # cannot pay for: the allocation budget_servable found is the one polished.
    import matching.budget as budget

    needs, providers, budgets = random_instance(9208, 23, 5, constraints=False, pools=3)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    found, polished = [], []
    real_servable, real_polish = budget.budget_servable, budget._polish

    def servable(*args, **kwargs):
        found.append(real_servable(*args, **kwargs))
        return found[-1]

    def polish(problem, pairs, *rest):
        polished.append(pairs)
        return real_polish(problem, pairs, *rest)

    monkeypatch.setattr(budget.search, "budget_servable", servable)
    monkeypatch.setattr(budget.search, "_polish", polish)
    result = budget.allocate_with_budget(needs, providers, scored, budgets)
    ((served, seed, _proven),), (pairs,) = found, polished
    assert seed.size == served == 2  # pool money is needed to reach the floor
    assert pairs.size == seed.size
    assert result.floor == budget_servable_exact(needs, providers, scored.candidates, budgets) == 2
    assert result.allocation.protected_served == 2
    assert np.all(spent(providers, result.allocation, budgets.shape[0]) <= budgets)


@settings(max_examples=60, deadline=None)
@given(
    instance=st.builds(
        lambda seed, n, m, pools: random_instance(seed, n, m, constraints=False, pools=pools),
        st.integers(0, 100_000),
        st.integers(1, 25),
        st.integers(1, 10),
        st.integers(1, 3),
    )
)
def test_budget_mode_serves_as_many_protected_needs_as_the_exact_model(instance):
    needs, providers, budgets = instance
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    result = allocate_with_budget(needs, providers, scored, budgets)
    exact = budget_servable_exact(needs, providers, scored.candidates, budgets)
    assert result.allocation.protected_served >= exact
    assert result.floor == exact
    assert np.all(spent(providers, result.allocation, budgets.shape[0]) <= budgets)
    assert np.all(result.allocation.load(len(providers)) <= providers.capacity)
