"""A price step of the budget search re-solves from the previous optimum (WarmFlow) to the same
integer objective as a cold min-cost flow, the floor of protected needs kept."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.allocation import max_servable, pair_values, solve_flow
from matching.budget import allocate_with_budget
from matching.budget.warm import WarmFlow
from matching.candidates import generate_candidates
from matching.scoring import score_candidates
from matching.synthetic import make_instance
from tests.matching.instances import random_instance


def _pooled_pairs(seed, n_needs, n_providers):
    needs, providers, budgets = random_instance(
        seed, n_needs, n_providers, constraints=False, pools=2
    )
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    return needs, providers, scored, budgets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000),
    n_needs=st.integers(1, 30),
    n_providers=st.integers(1, 12),
    floor_share=st.floats(0, 1),
    steps=st.lists(st.floats(0, 2), min_size=1, max_size=6),
)
def test_each_price_step_warm_reaches_the_cold_optimum(
    seed, n_needs, n_providers, floor_share, steps
):
    needs, providers, scored, _budgets = _pooled_pairs(seed, n_needs, n_providers)
    need, provider = scored.candidates.need, scored.candidates.provider
    value = pair_values(needs, scored)[1] * 16
    cost = np.where(providers.pool[provider] >= 0, providers.unit_cost[provider], 0)
    capacity = providers.capacity.astype(np.int64)
    mine = np.flatnonzero(needs.protected[need])
    servable = max_servable(need[mine], provider[mine], capacity, len(needs), len(providers))
    floor = int(floor_share * servable)
    shape = dict(protected=needs.protected, floor=floor)
    flow = WarmFlow(need, provider, capacity, len(needs), len(providers), **shape, max_flips=10**9)
    top = max(int(value.max(initial=1)), 1)
    for price in [0.0, *steps]:  # prices up and down, as the secant moves them
        weighted = value - np.rint(price * top * cost / max(cost.max(initial=1), 1)).astype(int)
        chosen, objective = flow.solve(weighted)
        _cold, expected = solve_flow(
            need, provider, weighted, capacity, len(needs), len(providers), **shape
        )
        assert objective == expected
        assert objective == int(weighted[chosen].sum())
        assert np.unique(need[chosen]).shape[0] == chosen.shape[0]
        assert np.all(np.bincount(provider[chosen], minlength=len(providers)) <= capacity)
        assert np.count_nonzero(needs.protected[need[chosen]]) >= floor
    assert flow.warm_solves == len(steps)  # every step after the first flow was warm


def test_seeded_loop_of_random_value_changes_warm_equals_cold():
    rng = np.random.default_rng(16)
    for seed in range(60):
        needs, providers, scored, _budgets = _pooled_pairs(
            seed, int(rng.integers(2, 40)), int(rng.integers(1, 15))
        )
        need, provider = scored.candidates.need, scored.candidates.provider
        value = pair_values(needs, scored)[1] * 16
        paid = providers.pool[provider] >= 0
        capacity = providers.capacity.astype(np.int64)
        flow = WarmFlow(
            need, provider, capacity, len(needs), len(providers), protected=needs.protected
        )
        for _step in range(5):
            weighted = value - np.where(paid, rng.integers(0, value.max(initial=0) + 1), 0)
            _chosen, objective = flow.solve(weighted)
            expected = solve_flow(need, provider, weighted, capacity, len(needs), len(providers))
            assert objective == expected[1]


def test_large_changes_are_solved_cold_and_warm_steps_resume_once_the_flows_settle():
    needs, providers, scored, _budgets = _pooled_pairs(3, 40, 10)
    need, provider = scored.candidates.need, scored.candidates.provider
    value = pair_values(needs, scored)[1] * 16
    paid = providers.pool[provider] >= 0
    capacity = providers.capacity.astype(np.int64)
    shape = (need, provider, capacity, len(needs), len(providers))
    flow = WarmFlow(*shape, protected=needs.protected, max_flips=2)
    cut = np.where(paid, -value, value)  # every paid pair loses all its value
    flow.solve(value)
    changed = flow.solve(cut)  # after the first flow took many pairs: cold
    assert flow.changed > 2
    settled = flow.solve(cut)  # the last solve changed many pairs: still cold
    assert flow.warm_solves == 0 and flow.changed == 0
    again = flow.solve(cut)  # the flows settled: warm, nothing to move
    assert flow.warm_solves == 1 and flow.phases == 0
    expected = solve_flow(need, provider, cut, capacity, len(needs), len(providers))[1]
    assert changed[1] == settled[1] == again[1] == expected


def test_the_search_reaches_the_same_bound_warm_or_cold():
    instance = make_instance("small", random_state=0)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    result = allocate_with_budget(needs, providers, scored, instance.budgets, warm=True)
    cold = allocate_with_budget(needs, providers, scored, instance.budgets, warm=False)
    # the flows are optima either way: the same prices, bounds and allocation
    assert result.bound == cold.bound
    assert result.allocation.objective_int == cold.allocation.objective_int
    assert result.steps == cold.steps > 0
    assert np.all(result.spend <= instance.budgets)
