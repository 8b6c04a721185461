"""A need added to a solved instance re-solves from the previous optimum (WarmAllocation) to
the same integer objective as a cold solve of the grown instance."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.allocation import allocate
from matching.allocation.warm import WarmAllocation
from matching.candidates import generate_candidates
from matching.scoring import score_candidates
from tests.matching.instances import random_instance


def _solved_then_grown(seed, n_needs, n_providers, newcomers):
    needs, providers, _budgets = random_instance(seed, n_needs, n_providers)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    head = needs.take(np.arange(n_needs - newcomers))
    first = score_candidates(head, providers, generate_candidates(head, providers))
    return needs, providers, scored, first, head


def _pairs_of(scored, i):
    rows = slice(scored.candidates.ptr[i], scored.candidates.ptr[i + 1])
    return scored.candidates.provider[rows], scored.score[rows]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), newcomers=st.integers(1, 4))
def test_adding_needs_warm_reaches_the_cold_optimum(seed, newcomers):
    needs, providers, scored, first, head = _solved_then_grown(seed, 40, 12, newcomers)
    warm = WarmAllocation(head, providers, first)
    for i in range(len(head), len(needs)):
        provider, score = _pairs_of(scored, i)
        if np.any(np.rint(needs.priority[i] * score.astype(np.float64) * warm.base_scale) == 0):
            return  # a pair worth nothing changes the value step: re-solved cold by design
        result = warm.add_need(
            provider=provider,
            score=score,
            priority=float(needs.priority[i]),
            protected=bool(needs.protected[i]),
        )
        grown = needs.take(np.arange(i + 1))
        cold = allocate(
            grown,
            providers,
            score_candidates(grown, providers, generate_candidates(grown, providers)),
            scale=warm.base_scale,
        )
        # then the warm optimum is the cold one, the floor included
        assert result.objective_int == cold.objective_int
        assert result.protected_served == cold.protected_served
        assert result.protected_servable == cold.protected_servable
        load = result.load(len(providers))
        assert np.all(load <= providers.capacity)


def test_a_newcomer_worth_nothing_is_refused_with_a_message():
    _needs, providers, _scored, first, head = _solved_then_grown(1, 20, 6, 1)
    warm = WarmAllocation(head, providers, first)
    with pytest.raises(ValueError, match="re-solve cold"):
        warm.add_need(provider=[0], score=[0.0], priority=10.0)
