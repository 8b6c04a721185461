"""Allocation when procured projects are paid per case from budget pools.

Each pool ``p`` may spend at most ``budgets[p]`` fen; a pair with a project of that pool costs
the project's ``unit_cost``. The budget rows break the flow structure, so the problem becomes a
MIP. It is solved by Lagrangian relaxation over the flow:

* price each pool's money at ``λ_p`` (value per fen), take ``λ_p × unit_cost`` off the value of
  its pairs and solve the exact min-cost flow: ``L(λ) = flow(λ) + Σ λ_p budget_p`` bounds the
  optimum from above for every ``λ ≥ 0`` and, the flow being totally unimodular, its minimum
  over ``λ`` *is* the LP bound;
* move each ``λ_p`` by a safeguarded secant on its pool's spend (bracketed between a price at
  which the pool overspends and one at which it does not), so a handful of flows suffice
  instead of the dozens a subgradient method takes;
* every flow also gives a feasible allocation: over-budget pools drop their cases of least value
  per fen (protected needs last), then needs move to better pairs that still fit (free
  capacity first, then the money left, best gain per fen first); the best of these is
  polished by one more flow that keeps its paid cases and re-solves everything else.

The top tier comes first here too. A max flow over the protected needs ignores the budgets, and
one over the pairs paid by no pool ignores the projects; neither is what a budget-feasible
allocation can serve. :func:`budget_servable` works that number out exactly (one more flow, or
a small MIP over the protected needs' pairs with the budget rows, only when the two max flows
differ), and every flow of the search, every repaired allocation kept and the polishing flow
serve at least that many: a repaired allocation that serves fewer is only kept when the
protected needs it dropped can be served without money, and when none is kept the allocation
that reached the number is polished instead.

The result reports the best feasible objective, the best bound and the gap between them.
:func:`lp_bound` solves the LP (or, for small instances, the MIP) directly with HiGHS, for checks.
A province can be searched county by county (``need_group``/``provider_group``) when every pool
pays the providers of one county: each county then has prices of its own and smaller flows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, milp

from matching.allocation import (
    PENALTY_RESOLUTION,
    Allocation,
    _result,
    max_servable,
    pair_values,
    solve_flow,
)
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers

# Penalties are rounded to 1 / (scale × _RESOLUTION) of a value unit; the bound allows for it.
_RESOLUTION = PENALTY_RESOLUTION


@dataclass(frozen=True, eq=False)
class BudgetAllocation:
    """An allocation within the pools' budgets, with its distance from the bound.

    Attributes
    ----------
    allocation : Allocation
    spend : ndarray of shape (n_pools,), int64
        Fen spent from each pool.
    budgets : ndarray of shape (n_pools,), int64
    prices : ndarray of shape (n_pools,), float64
        The final Lagrange multiplier of each pool, in value per yuan.
    bound : float
        Upper bound on the objective (original units): the best Lagrangian bound, or the LP
        bound when it was computed.
    bound_kind : {"lagrangian", "lp", "exact"}
    gap : float
        ``(bound − objective) / bound``, ≥ 0.
    flows : int
        Min-cost flows solved.
    floor : int
        Protected needs that had to be served: the most any budget-feasible allocation can
        serve (:func:`budget_servable`), summed over the groups.
    floor_proven : bool
        False when the MIP of some group stopped at its time limit: ``floor`` is then what
        the best allocation HiGHS found serves, not proven the most.
    seconds : dict
    history : list of list of (bound, objective)
        For each group with a pool, the best bound and best feasible objective (scaled
        integer units; None until a repaired allocation kept the floor) after each flow, the
        last entry after the polishing flow.
    """

    allocation: Allocation
    spend: np.ndarray
    budgets: np.ndarray
    prices: np.ndarray
    bound: float
    bound_kind: str
    gap: float
    flows: int
    floor: int
    floor_proven: bool = True
    seconds: dict = field(default_factory=dict)
    history: list = field(default_factory=list)

    @property
    def objective(self) -> float:
        return self.allocation.objective


@dataclass
class _Problem:
    """One region's pairs, their values and costs, as positions."""

    pairs: np.ndarray  # indices into the scored candidates
    need: np.ndarray
    provider: np.ndarray
    value_int: np.ndarray
    cost: np.ndarray  # fen per case, 0 when not from a pool
    pool: np.ndarray  # pool of each pair, -1 when none
    floor: int  # protected needs every allocation kept must serve


class Servable(NamedTuple):
    """What :func:`budget_servable` found.

    Attributes
    ----------
    served : int
    chosen : ndarray of shape (served,) or (0,), int64
        Indices of the pairs of one allocation serving that many, or empty when no pool money
        is needed (the pairs paid by no pool serve as many).
    proven : bool
        False when HiGHS stopped at its time limit: ``served`` is then the best allocation
        it found (never fewer than the pairs paid by no pool serve), not proven the most.
    """

    served: int
    chosen: np.ndarray
    proven: bool


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


def _protected_count(problem: _Problem, pairs, protected) -> int:
    return int(np.count_nonzero(protected[problem.need[pairs]]))


def _spend(problem: _Problem, chosen, n_pools):
    pooled = chosen[problem.pool[chosen] >= 0]
    return np.bincount(
        problem.pool[pooled], weights=problem.cost[pooled], minlength=n_pools
    ).astype(np.int64)


def _repair(problem, chosen, budgets, capacity, protected, n_needs, n_providers):
    """A feasible allocation from a flow solution.

    Over-budget pools drop their cases worth least per fen (protected needs last); then needs
    move to better pairs that still fit, free capacity first, then the money left in the
    pools, best gain per fen first. No need that was served is left unserved by a move.
    """
    n_pools = budgets.shape[0]
    spend = _spend(problem, chosen, n_pools)
    keep = np.ones(chosen.shape[0], dtype=bool)
    for p in np.flatnonzero(spend > budgets):
        mine = np.flatnonzero(problem.pool[chosen] == p)
        a = chosen[mine]
        ratio = problem.value_int[a] / np.maximum(problem.cost[a], 1)
        order = np.lexsort((ratio, protected[problem.need[a]]))
        excess = spend[p] - budgets[p]
        cut = np.searchsorted(np.cumsum(problem.cost[a][order]), excess) + 1
        drop = mine[order[:cut]]
        keep[drop] = False
        spend[p] -= int(problem.cost[chosen[drop]].sum())
    chosen = chosen[keep]
    current = np.full(n_needs, -1, dtype=np.int64)
    current[problem.need[chosen]] = chosen
    left = capacity.astype(np.int64).copy()
    np.subtract.at(left, problem.provider[chosen], 1)
    room = budgets - spend
    worth = np.where(current >= 0, problem.value_int[np.maximum(current, 0)], 0)
    gain = problem.value_int - worth[problem.need]
    movable = (gain > 0) & (left[problem.provider] > 0)
    free = np.flatnonzero(movable & (problem.pool < 0))
    paid = np.flatnonzero(movable & (problem.pool >= 0) & (problem.cost <= room[problem.pool]))
    moves = [
        free[np.argsort(-gain[free], kind="stable")],
        paid[np.argsort(-gain[paid] / np.maximum(problem.cost[paid], 1), kind="stable")],
    ]
    need, provider = problem.need, problem.provider
    pool, cost, value = problem.pool, problem.cost, problem.value_int
    for a in np.concatenate(moves).tolist():
        i, j, p = need[a], provider[a], pool[a]
        old = current[i]
        if left[j] <= 0 or (old >= 0 and value[a] <= value[old]):
            continue
        if p >= 0:
            if room[p] < cost[a]:
                continue
            room[p] -= cost[a]
        if old >= 0:
            left[provider[old]] += 1
            if pool[old] >= 0:
                room[pool[old]] += cost[old]
        left[j] -= 1
        current[i] = a
    return current[current >= 0]


def _lagrangian(problem, budgets, capacity, protected, n_needs, n_providers, max_flows, tol, seed):
    """Best feasible pairs, best bound (scaled integer units), prices and history of one group.

    ``seed`` (pairs of ``problem``) is a budget-feasible allocation of the protected needs that
    reaches the floor with pool money, or empty when the floor needs none; it is polished
    instead when no repaired allocation of the search keeps the floor.
    """
    n_pools = budgets.shape[0]
    pools_here = np.unique(problem.pool[problem.pool >= 0])
    price = np.zeros(n_pools)
    low, high = np.zeros(n_pools), np.full(n_pools, np.inf)
    spend_low, spend_high = np.zeros(n_pools), np.zeros(n_pools)
    best_pairs, best_value, best_bound = None, None, np.inf
    history = []
    flows = 0
    pooled_capacity = capacity[np.unique(problem.provider[problem.pool >= 0])].sum()
    slack = 0.5 * min(np.unique(problem.need).shape[0], int(pooled_capacity))
    while flows < max_flows:
        penalty = np.where(
            problem.pool >= 0,
            np.rint(price[problem.pool] * problem.cost * _RESOLUTION),
            0,
        ).astype(np.int64)
        weighted = problem.value_int * _RESOLUTION - penalty
        chosen, objective = solve_flow(
            problem.need,
            problem.provider,
            weighted,
            capacity,
            n_needs,
            n_providers,
            protected=protected,
            floor=problem.floor,
        )
        flows += 1
        rounding = slack if price.any() else 0.0
        bound = (objective + rounding + float(np.dot(price, budgets)) * _RESOLUTION) / _RESOLUTION
        best_bound = min(best_bound, bound)
        feasible = _repair(problem, chosen, budgets, capacity, protected, n_needs, n_providers)
        value = int(problem.value_int[feasible].sum())
        # Below the floor it is only kept when the polishing flow can serve the floor again:
        # when the floor needs no pool money.
        keeps_floor = not seed.size or (
            _protected_count(problem, feasible, protected) >= problem.floor
        )
        if keeps_floor and (best_value is None or value > best_value):
            best_pairs, best_value = feasible, value
        history.append((best_bound, best_value))
        if best_value is not None and best_bound - best_value <= tol * abs(best_bound):
            break
        spend = _spend(problem, chosen, n_pools)
        changed = False
        for p in pools_here:
            if spend[p] > budgets[p]:
                low[p], spend_low[p] = price[p], spend[p]
            else:
                high[p], spend_high[p] = price[p], spend[p]
            if price[p] == 0 and spend[p] <= budgets[p]:
                continue
            if np.isinf(high[p]):
                new = max(2 * price[p], _first_price(problem, chosen, p, budgets[p]))
            else:
                new = _secant(low[p], spend_low[p], high[p], spend_high[p], budgets[p])
            changed |= new != price[p]
            price[p] = new
        if not changed:
            break
    if best_pairs is None:  # no repaired allocation kept the floor: start from the seed's
        best_pairs = seed
    best_pairs = _polish(problem, best_pairs, capacity, protected, n_needs, n_providers)
    history.append((best_bound, int(problem.value_int[best_pairs].sum())))
    return best_pairs, best_bound, price, history


def _polish(problem, pairs, capacity, protected, n_needs, n_providers):
    """Keep the pool-paid pairs of a feasible allocation and re-solve everything else exactly.

    The budgets cannot be broken (paid pairs can only be dropped), the floor of protected
    needs is met again (it is reachable with the allocation's paid pairs and the free ones),
    and the value never drops for an allocation that met the floor already.
    """
    allowed = problem.pool < 0
    allowed[pairs[problem.pool[pairs] >= 0]] = True
    subset = np.flatnonzero(allowed)
    picked, _objective = solve_flow(
        problem.need[subset],
        problem.provider[subset],
        problem.value_int[subset],
        capacity,
        n_needs,
        n_providers,
        protected=protected,
        floor=problem.floor,
    )
    return subset[picked]


def _first_price(problem, chosen, p, budget):
    """The value per fen of the pool's cases worth least per fen, cut until it fits: an
    overestimate (a need cut may find another provider) that brackets the price at once."""
    a = chosen[problem.pool[chosen] == p]
    ratio = problem.value_int[a] / np.maximum(problem.cost[a], 1)
    order = np.argsort(ratio)
    excess = problem.cost[a].sum() - budget
    cut = min(int(np.searchsorted(np.cumsum(problem.cost[a][order]), excess)), len(a) - 1)
    return max(float(ratio[order[cut]]), 1e-9)


def _secant(low, spend_low, high, spend_high, budget):
    """Next price between a bracket, by the secant on spend, kept off the bracket's ends."""
    if spend_low == spend_high:
        return (low + high) / 2
    t = (spend_low - budget) / (spend_low - spend_high)
    t = min(max(t, 0.1), 0.9)
    return low + t * (high - low)


def allocate_with_budget(
    needs: Needs,
    providers: Providers,
    scored: ScoredCandidates,
    budgets,
    *,
    scale: float | None = None,
    protect: bool = True,
    max_flows: int = 12,
    tol: float = 2e-4,
    need_group=None,
    provider_group=None,
    lp: bool = False,
    lp_time_limit: float | None = None,
    floor_time_limit: float = 30.0,
) -> BudgetAllocation:
    """The best allocation whose pool spending stays within ``budgets``.

    Parameters
    ----------
    needs, providers : Needs, Providers
        ``providers.pool`` and ``providers.unit_cost`` say who is paid from which pool.
    scored : ScoredCandidates
    budgets : array of shape (n_pools,), int
        Fen each pool has left.
    scale : float, optional
        Integer units per unit of value; by default relative to the instance
        (:func:`matching.allocation.pair_values`).
    protect : bool
        Serve as many protected needs as any allocation within the budgets can
        (:func:`budget_servable`), then the most ``priority × score``.
    max_flows : int
        Most min-cost flows solved per group in the price search.
    tol : float
        Stop when the relative gap to the bound is this small.
    need_group, provider_group : arrays of shape (n_needs,) and (n_providers,), optional
        Solve each group (county) apart, dropping pairs that cross groups; each pool must pay
        providers of one group only.
    lp : bool
        Also solve the LP relaxation with HiGHS and report the gap to it (slower; the
        Lagrangian bound is an upper bound on the LP bound and converges to it).
    lp_time_limit : float, optional
        Seconds HiGHS may take.
    floor_time_limit : float
        Seconds HiGHS may take on each group's MIP of protected needs (:func:`budget_servable`).

    Returns
    -------
    BudgetAllocation
    """
    start = time.perf_counter()
    budgets = np.asarray(budgets, dtype=np.int64)
    if np.any(budgets < 0):
        raise ValueError("budgets must be non-negative")
    if providers.pool.max(initial=-1) >= budgets.shape[0]:
        raise ValueError("a provider's pool has no budget")
    candidates = scored.candidates
    value, value_int, scale = pair_values(needs, scored, scale)[:3]
    need, provider = candidates.need, candidates.provider
    pool = np.where(providers.unit_cost[provider] > 0, providers.pool[provider], -1)
    cost = np.where(pool >= 0, providers.unit_cost[provider], 0)
    pairs = np.flatnonzero((value_int > 0) | (needs.protected[need] if protect else False))
    groups = [pairs]
    if need_group is not None:
        need_group, provider_group = np.asarray(need_group), np.asarray(provider_group)
        paid = providers.pool >= 0
        spans = np.unique(np.stack([providers.pool[paid], provider_group[paid]]), axis=1)
        if np.unique(spans[0]).shape[0] != spans.shape[1]:
            raise ValueError("a budget pool pays providers of several groups")
        pairs = pairs[need_group[need[pairs]] == provider_group[provider[pairs]]]
        order = np.argsort(need_group[need[pairs]], kind="stable")
        pairs = pairs[order]
        _labels, starts = np.unique(need_group[need[pairs]], return_index=True)
        groups = np.split(pairs, starts[1:])
    protected = needs.protected
    capacity = providers.capacity.astype(np.int64)
    seconds = {"prepare": time.perf_counter() - start}
    start = time.perf_counter()
    chosen, bound, flows, floor, history = [], 0.0, 0, 0, []
    floor_proven = True
    price = np.zeros(budgets.shape[0])
    for group in groups:
        if group.size == 0:
            continue
        floor_here, seed = 0, np.zeros(0, dtype=np.int64)
        if protect:
            at = np.flatnonzero(protected[need[group]])
            mine = group[at]
            floor_here, seed, proven = budget_servable(
                need[mine],
                provider[mine],
                pool[mine],
                cost[mine],
                capacity,
                budgets,
                len(needs),
                len(providers),
                time_limit=floor_time_limit,
            )
            floor_proven &= proven
            seed = at[seed]  # as positions in the group
        floor += floor_here
        if not np.any(pool[group] >= 0):  # no budget here: one exact flow
            picked, objective = solve_flow(
                need[group],
                provider[group],
                value_int[group],
                capacity,
                len(needs),
                len(providers),
                protected=protected,
                floor=floor_here,
            )
            flows += 1
            chosen.append(group[picked])
            bound += objective
            continue
        problem = _Problem(
            group,
            need[group],
            provider[group],
            value_int[group],
            cost[group],
            pool[group],
            floor_here,
        )
        picked, group_bound, group_price, trace = _lagrangian(
            problem,
            budgets,
            capacity,
            protected,
            len(needs),
            len(providers),
            max_flows,
            tol,
            seed,
        )
        flows += len(trace)
        history.append(trace)
        chosen.append(group[picked])
        bound += group_bound
        mine = np.unique(problem.pool[problem.pool >= 0])
        price[mine] = group_price[mine]
    seconds["search"] = time.perf_counter() - start
    chosen = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    allocation = _result(
        needs,
        candidates,
        value,
        value_int,
        chosen,
        scale,
        floor if protect else None,
        "budget lagrangian",
        seconds,
    )
    spend = np.bincount(
        pool[chosen][pool[chosen] >= 0],
        weights=cost[chosen][pool[chosen] >= 0],
        minlength=budgets.shape[0],
    ).astype(np.int64)
    bound_int = max(bound, float(allocation.objective_int))
    bound_kind = "lagrangian"
    if lp:
        if need_group is not None:
            raise ValueError("the LP bound is for one region, not a split one")
        start = time.perf_counter()
        bound_int = scale * lp_bound(
            needs,
            providers,
            scored,
            budgets,
            scale=scale,
            floor=floor,
            time_limit=lp_time_limit,
        )
        bound_int = max(bound_int, float(allocation.objective_int))
        bound_kind = "lp"
        seconds["lp"] = time.perf_counter() - start
    return BudgetAllocation(
        allocation=allocation,
        spend=spend,
        budgets=budgets,
        prices=price / scale * 100,
        bound=bound_int / scale,
        bound_kind=bound_kind,
        gap=(bound_int - allocation.objective_int) / bound_int if bound_int > 0 else 0.0,
        flows=flows,
        floor=floor,
        floor_proven=floor_proven,
        seconds=seconds,
        history=history,
    )


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
