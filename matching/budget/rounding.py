"""The LP solution rounded: pairs the bracketing flows agree on fixed, the others settled by MIP.

At the end of the price search each pool's price lies between one where the pool overspends
and one where it does not, and the LP optimum is a mix of the flows at those prices (at the
optimal prices the LP solution is a convex combination of optimal flows). Pairs every one of
those flows takes are taken; pairs some take and others do not are the fractional part, and
they are few: a MIP over them alone, with what the fixed pairs leave of the capacities, the
budgets and the floor of protected needs, settles them exactly (HiGHS).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, milp

from matching.budget.model import _Problem, _protected_count, _spend

# The most fractional pairs the MIP settles. On a county the bracketing flows can disagree on
# several thousand pairs: HiGHS then runs into its time limit (10 s measured) and the search
# keeps its own allocation anyway, so the rounding is for the few pairs it was meant for.
SETTLE_MOST_PAIRS = 2_000


def _settle(problem: _Problem, flows, budgets, capacity, protected, *, time_limit: float):
    """A budget-feasible allocation from the flows at the bracketing prices, or None.

    Parameters
    ----------
    problem : _Problem
    flows : list of ndarray of int
        Pairs (positions in ``problem``) of each bracketing flow; two or more.
    budgets : ndarray of shape (n_pools,), int
    capacity : ndarray of shape (n_providers,), int
    protected : ndarray of shape (n_needs,), bool
    time_limit : float
        Seconds HiGHS may take; at the limit the best allocation it found is used.

    Returns
    -------
    pairs : ndarray of int, or None
        The allocation (positions in ``problem``), None when the pairs agreed on leave no
        feasible completion or HiGHS found none.
    settled : int
        Pairs the MIP decided (0 when there were more than ``SETTLE_MOST_PAIRS``).
    """
    taken = np.bincount(np.concatenate(flows), minlength=problem.need.shape[0])
    fixed = np.flatnonzero(taken == len(flows))
    free = np.flatnonzero((taken > 0) & (taken < len(flows)))
    if free.size == 0 or free.size > SETTLE_MOST_PAIRS:
        return None, 0
    room = budgets - _spend(problem, fixed, budgets.shape[0])
    left = capacity - np.bincount(problem.provider[fixed], minlength=capacity.shape[0])
    floor_left = problem.floor - _protected_count(problem, fixed, protected)
    if np.any(room < 0) or np.any(left < 0):
        return None, free.size
    k = free.shape[0]
    needs_used, need_row = np.unique(problem.need[free], return_inverse=True)
    providers_used, provider_row = np.unique(problem.provider[free], return_inverse=True)
    pooled = np.flatnonzero(problem.pool[free] >= 0)
    pools_used, pool_row = np.unique(problem.pool[free][pooled], return_inverse=True)
    a, b, q = needs_used.shape[0], providers_used.shape[0], pools_used.shape[0]
    rows = [need_row, a + provider_row, a + b + pool_row]
    cols = [np.arange(k), np.arange(k), pooled]
    data = [np.ones(2 * k), problem.cost[free][pooled].astype(float)]
    lower = [np.full(a + b + q, -np.inf)]
    upper = [np.ones(a), left[providers_used].astype(float), room[pools_used].astype(float)]
    if floor_left > 0:
        mine = np.flatnonzero(protected[problem.need[free]])
        rows.append(np.full(mine.shape[0], a + b + q))
        cols.append(mine)
        data.append(np.ones(mine.shape[0]))
        lower.append([float(floor_left)])
        upper.append([np.inf])
    matrix = sparse.csr_array(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(a + b + q + int(floor_left > 0), k),
    )
    value = problem.value_int[free].astype(float)
    result = milp(
        -value / max(value.max(), 1.0),  # about one unit: HiGHS' tolerances stay meaningful
        constraints=LinearConstraint(matrix, np.concatenate(lower), np.concatenate(upper)),
        integrality=np.ones(k),
        bounds=(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit},
    )
    if result.x is None:  # infeasible, or nothing found in time
        return None, k
    pairs = np.concatenate([fixed, free[result.x > 0.5]])
    # HiGHS works to a tolerance: the allocation is checked in whole fen and cases.
    over_budget = np.any(_spend(problem, pairs, budgets.shape[0]) > budgets)
    load = np.bincount(problem.provider[pairs], minlength=capacity.shape[0])
    twice = np.unique(problem.need[pairs]).shape[0] < pairs.shape[0]
    short = _protected_count(problem, pairs, protected) < problem.floor
    if over_budget or np.any(load > capacity) or twice or short:
        return None, k
    return pairs, k
