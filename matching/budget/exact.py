"""Exact HiGHS solves: the protected needs servable within budget and the LP/MIP bound."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, milp

from matching.allocation import (
    max_servable,
    pair_values,
    solve_flow,
)
from matching.budget.model import (
    Servable,
)
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers


def budget_servable(
    need,
    provider,
    pool,
    cost,
    capacity,
    budgets,
    n_needs: int,
    n_providers: int,
    *,
    time_limit: float = 30.0,
) -> Servable:
    """The most needs an allocation of the given pairs can serve within capacities and budgets.

    Maximises ``Σ x[a]`` over pairs ``a`` with ``x ∈ {0, 1}``, each need at most once, provider
    ``j`` at most ``capacity[j]`` times and pool ``p`` spending at most ``budgets[p]``. Called
    with the protected needs' pairs it gives the floor of the budget search. Two max flows
    bracket the answer (without the paid pairs; without the budgets); when they differ, the
    cheapest allocation reaching the upper one may fit the budgets, and otherwise a MIP decides
    (HiGHS; its LP is a flow with a few budget rows, so it branches little).

    Parameters
    ----------
    need, provider : ndarray of shape (p,), int
        Pairs (positions).
    pool : ndarray of shape (p,), int
        Pool paying each pair, -1 when none.
    cost : ndarray of shape (p,), int
        Fen each pair costs its pool.
    capacity : ndarray of shape (n_providers,), int
    budgets : ndarray of shape (n_pools,), int
    n_needs, n_providers : int
    time_limit : float
        Seconds HiGHS may take on the MIP (solved to a zero gap); at the limit the best
        allocation it found is used and the result says the number is not proven.

    Returns
    -------
    Servable
    """
    need, provider, pool = np.asarray(need), np.asarray(provider), np.asarray(pool)
    free = np.flatnonzero(pool < 0)
    without_money = max_servable(need[free], provider[free], capacity, n_needs, n_providers)
    without_budgets = max_servable(need, provider, capacity, n_needs, n_providers)
    none = np.zeros(0, dtype=np.int64)
    if without_money == without_budgets:
        return Servable(without_money, none, True)
    # The cheapest allocation serving ``without_budgets``: when every pool affords it, that is
    # the answer, with no MIP (one flow, each pair worth more than any cost saved elsewhere).
    cost = np.asarray(cost, dtype=np.int64)
    cheapest, _objective = solve_flow(
        need,
        provider,
        int(cost.max(initial=0)) + 1 - cost,
        capacity,
        n_needs,
        n_providers,
        protected=np.ones(n_needs, dtype=bool),
        floor=without_budgets,
    )
    paid = cheapest[pool[cheapest] >= 0]
    spend = np.bincount(pool[paid], weights=cost[paid], minlength=budgets.shape[0])
    if np.all(spend <= budgets):
        return Servable(without_budgets, cheapest, True)
    k = need.shape[0]
    needs_used, tail = np.unique(need, return_inverse=True)
    providers_used, head = np.unique(provider, return_inverse=True)
    pooled = np.flatnonzero(pool >= 0)
    pools_used, row = np.unique(pool[pooled], return_inverse=True)
    a, b = needs_used.shape[0], providers_used.shape[0]
    matrix = sparse.csr_array(
        (
            np.concatenate([np.ones(2 * k), np.asarray(cost, dtype=float)[pooled]]),
            (
                np.concatenate([tail, a + head, a + b + row]),
                np.concatenate([np.arange(k), np.arange(k), pooled]),
            ),
        ),
        shape=(a + b + pools_used.shape[0], k),
    )
    upper = np.concatenate(
        [np.ones(a), np.asarray(capacity, dtype=float)[providers_used], budgets[pools_used]]
    )
    result = milp(
        -np.ones(k),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=np.ones(k),
        bounds=(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit},
    )
    # scipy's milp: 0 optimal, 1 iteration or time limit (with the best integer point found,
    # if any); anything else is a failure.
    if result.status not in (0, 1):
        raise RuntimeError(f"HiGHS did not solve the protected needs' MIP: {result.message}")
    proven = result.status == 0
    chosen = np.flatnonzero(result.x > 0.5) if result.x is not None else none
    if chosen.shape[0] <= without_money:
        # No pool money serves more than the free pairs do: nothing to seed the search with.
        return Servable(without_money, none, proven)
    return Servable(int(chosen.shape[0]), chosen, proven)


def lp_bound(
    needs: Needs,
    providers: Providers,
    scored: ScoredCandidates,
    budgets,
    *,
    scale: float | None = None,
    floor: int = 0,
    integral: bool = False,
    time_limit: float | None = None,
) -> float:
    """The LP relaxation (or with ``integral`` the exact MIP) of the budget problem, by HiGHS.

    Same variables and constraints as :func:`allocate_with_budget` (including the floor of
    protected needs, pass ``BudgetAllocation.floor``); returns the optimum in original units.
    """
    budgets = np.asarray(budgets, dtype=np.int64)
    candidates = scored.candidates
    _value, value_int, scale = pair_values(needs, scored, scale)[:3]
    need, provider = candidates.need, candidates.provider
    pool = np.where(providers.unit_cost[provider] > 0, providers.pool[provider], -1)
    keep = np.flatnonzero((value_int > 0) | (needs.protected[need] & (floor > 0)))
    k = keep.shape[0]
    if k == 0:
        return 0.0
    n, m, q = len(needs), len(providers), budgets.shape[0]
    columns = np.arange(k)
    pooled = np.flatnonzero(pool[keep] >= 0)
    rows = [need[keep], n + provider[keep], n + m + pool[keep][pooled]]
    cols = [columns, columns, pooled]
    data = [np.ones(k), np.ones(k), providers.unit_cost[provider[keep][pooled]].astype(float)]
    upper = [np.ones(n), providers.capacity.astype(float), budgets.astype(float)]
    lower = [np.full(n, -np.inf), np.full(m, -np.inf), np.full(q, -np.inf)]
    if floor > 0:
        mine = np.flatnonzero(needs.protected[need[keep]])
        rows.append(np.full(mine.shape[0], n + m + q))
        cols.append(mine)
        data.append(np.ones(mine.shape[0]))
        upper.append([np.inf])
        lower.append([float(floor)])
    matrix = sparse.csr_array(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n + m + q + (1 if floor > 0 else 0), k),
    )
    options = {"time_limit": time_limit} if time_limit else {}
    result = milp(
        -value_int[keep] / scale,  # original units: HiGHS keeps its tolerances meaningful
        constraints=LinearConstraint(matrix, np.concatenate(lower), np.concatenate(upper)),
        integrality=np.full(k, 1 if integral else 0),
        bounds=(0, 1),
        options=options,
    )
    if result.status != 0:
        raise RuntimeError(f"HiGHS did not solve the {'MIP' if integral else 'LP'}: {result}")
    return -result.fun
