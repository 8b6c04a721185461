"""The LP solution rounded: pairs the bracketing flows agree on fixed, the rest settled by MIP.
The result stays within the budgets and the floor, never below the search's own allocation,
and within the reported gap of the exact optimum."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.matching import budget_servable_exact
from matching.budget import allocate_with_budget, lp_bound
from matching.candidates import Candidates, generate_candidates
from matching.scoring import ScoredCandidates, ScoreWeights, score_candidates
from matching.types import Needs, Providers
from tests.matching.instances import random_instance

pooled = st.builds(
    lambda seed, n, m, pools: random_instance(seed, n, m, constraints=False, pools=pools),
    st.integers(0, 100_000),
    st.integers(1, 30),
    st.integers(1, 12),
    st.integers(1, 3),
)


def spent(providers, allocation, n_pools):
    chosen = allocation.provider[allocation.provider >= 0]
    paid = chosen[providers.pool[chosen] >= 0]
    return np.bincount(providers.pool[paid], weights=providers.unit_cost[paid], minlength=n_pools)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=pooled, max_flows=st.sampled_from([3, 12]))
def test_the_rounded_allocation_is_feasible_no_worse_and_within_its_gap(instance, max_flows):
    needs, providers, budgets = instance
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    before = allocate_with_budget(
        needs, providers, scored, budgets, max_flows=max_flows, settle=False
    )
    result = allocate_with_budget(needs, providers, scored, budgets, max_flows=max_flows)
    # within the budgets and the capacities, the floor kept
    assert np.all(spent(providers, result.allocation, budgets.shape[0]) <= budgets)
    assert np.all(result.allocation.load(len(providers)) <= providers.capacity)
    servable = budget_servable_exact(needs, providers, scored.candidates, budgets)
    assert result.allocation.protected_served >= result.floor == servable
    # never worse than the search's allocation before the rounding
    assert result.allocation.objective_int >= before.allocation.objective_int
    # and within the reported gap of the exact MIP, which the bound is above
    best = lp_bound(needs, providers, scored, budgets, floor=result.floor, integral=True)
    assert result.bound >= best - 1e-6
    assert result.objective >= best - result.gap * result.bound - 1e-6
    relative = (result.bound - result.objective) / result.bound if result.bound else 0.0
    assert result.gap == pytest.approx(relative, abs=1e-6)


def _three_needs_five_providers():
    """Need 0 can go to a free station (66) or two projects (76 for 50 yuan, 85 for 30); need 1
    to three projects (54 for 10, 79 for 50, 20 for 30); need 2 to the 30-yuan project only
    (36). One pool of 90 yuan."""
    pairs = [(0, 1), (0, 2), (0, 4), (1, 0), (1, 2), (1, 4), (2, 4)]
    values = np.array([66, 76, 85, 54, 79, 20, 36], dtype=float)
    n, m = 3, 5
    needs = Needs(
        id=np.arange(1, n + 1),
        household=np.arange(1, n + 1),
        category=np.zeros(n, dtype=int),
        lat=np.full(n, 23.6),
        lon=np.full(n, 102.0),
        priority=np.full(n, 100.0),
        protected=np.zeros(n, dtype=bool),
    )
    cost = np.array([10, 0, 50, 90, 30])
    providers = Providers(
        id=np.arange(101, 101 + m),
        kind=np.full(m, 3),
        skill=np.ones((m, 1), dtype=np.float32),
        lat=np.full(m, 23.6),
        lon=np.full(m, 102.0),
        radius_km=np.full(m, 5.0),
        capacity=np.array([2, 2, 2, 1, 2]),
        unit_cost=cost,
        pool=np.where(cost > 0, 0, -1),
    )
    need = np.array([i for i, _j in pairs])
    candidates = Candidates(
        np.concatenate([[0], np.cumsum(np.bincount(need, minlength=n))]),
        np.array([j for _i, j in pairs], dtype=np.int32),
        np.zeros(len(pairs), dtype=np.float32),
    )
    scored = ScoredCandidates(candidates, (values / 100).astype(np.float32), {}, ScoreWeights())
    return needs, providers, scored, np.array([90])


def test_rounding_settles_the_pairs_a_short_search_left_fractional():
    # given a search cut short at three flows, whose repaired allocation is 85 + 54 + 36 = 175
    needs, providers, scored, budgets = _three_needs_five_providers()
    search = dict(max_flows=3, protect=False)
    before = allocate_with_budget(needs, providers, scored, budgets, settle=False, **search)
    assert before.objective == pytest.approx(175, abs=1e-3)
    # when the pairs its bracketing flows disagree on are settled by MIP
    result = allocate_with_budget(needs, providers, scored, budgets, **search)
    # then the allocation is the exact optimum: the free station, 79 for 50 and 36 for 30
    assert result.objective == pytest.approx(181, abs=1e-3)
    assert result.objective == pytest.approx(
        lp_bound(needs, providers, scored, budgets, integral=True), abs=1e-3
    )
    assert result.allocation.provider.tolist() == [1, 2, 4]
    assert result.spend.tolist() == [80]
    assert result.settled_pairs > 0 and result.rounded_groups == 1
    assert result.gap < before.gap
