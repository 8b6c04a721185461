"""Lagrangian search over min-cost flows: repair, polish, price updates, allocate_with_budget."""

from __future__ import annotations

import time

import numpy as np

from matching.allocation import (
    _result,
    pair_values,
    solve_flow,
)
from matching.budget.exact import budget_servable, lp_bound
from matching.budget.model import (
    _RESOLUTION,
    BudgetAllocation,
    _Figures,
    _Problem,
    _protected_count,
    _spend,
)
from matching.budget.rounding import _settle
from matching.budget.warm import WarmFlow
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers


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


def _lagrangian(
    problem,
    budgets,
    capacity,
    protected,
    n_needs,
    n_providers,
    max_flows,
    tol,
    seed,
    *,
    warm=True,
    settle_time_limit=None,
):
    """Best feasible pairs, best bound (scaled integer units), prices, history and figures
    (:class:`_Figures`) of one group.

    ``seed`` (pairs of ``problem``) is a budget-feasible allocation of the protected needs that
    reaches the floor with pool money, or empty when the floor needs none; it is polished
    instead when no repaired allocation of the search keeps the floor. With ``warm`` each
    price step after the first flow re-solves from the previous optimum (:class:`WarmFlow`);
    with ``settle_time_limit`` the pairs the bracketing flows disagree on are settled by MIP
    (:func:`_settle`) and the result kept when it beats the best repaired allocation.
    """
    n_pools = budgets.shape[0]
    pools_here = np.unique(problem.pool[problem.pool >= 0])
    price = np.zeros(n_pools)
    low, high = np.zeros(n_pools), np.full(n_pools, np.inf)
    spend_low, spend_high = np.zeros(n_pools), np.zeros(n_pools)
    best_pairs, best_value, best_bound = None, None, np.inf
    history, taken = [], []
    low_at, high_at = {}, {}
    flow = WarmFlow(
        problem.need,
        problem.provider,
        capacity,
        n_needs,
        n_providers,
        protected=protected,
        floor=problem.floor,
    )
    figures = _Figures()
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
        clock = time.process_time()
        if warm or not flows:
            chosen, objective = flow.solve(weighted)
        else:
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
        if flows:
            figures.steps += 1
            figures.step_cpu_s += time.process_time() - clock
        flows += 1
        taken.append(chosen)
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
                low[p], spend_low[p], low_at[p] = price[p], spend[p], flows - 1
            else:
                high[p], spend_high[p], high_at[p] = price[p], spend[p], flows - 1
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
    figures.warm = flow.warm_solves
    polished = _polish(problem, best_pairs, capacity, protected, n_needs, n_providers)
    history.append((best_bound, int(problem.value_int[polished].sum())))
    bracket = sorted(set(low_at.values()) | set(high_at.values()))
    if settle_time_limit is not None and len(bracket) > 1:
        start = time.perf_counter()
        rounded, figures.settled = _settle(
            problem,
            [taken[t] for t in bracket],
            budgets,
            capacity,
            protected,
            time_limit=settle_time_limit,
        )
        value = problem.value_int
        if rounded is not None and value[rounded].sum() > value[best_pairs].sum():
            # Polishing can re-solve the two differently: the better polished one is kept.
            rounded = _polish(problem, rounded, capacity, protected, n_needs, n_providers)
            history.append((best_bound, int(value[rounded].sum())))
            if value[rounded].sum() > value[polished].sum():
                polished, figures.rounded = rounded, 1
        figures.settle_s = time.perf_counter() - start
    return polished, best_bound, price, history, figures


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
    warm: bool = False,
    settle: bool = True,
    settle_time_limit: float = 5.0,
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
    warm : bool
        Re-solve each price step from the previous optimum (:class:`WarmFlow`) instead of a
        cold flow; the same optimum either way. Off by default: a county's price steps flip
        hundreds to thousands of pairs, too many for a warm step to pay (bench/README.md).
    settle : bool
        Round the LP solution: settle the pairs the bracketing flows disagree on by MIP
        (:func:`_settle`), kept when it beats the best repaired allocation; only when they are
        few (``SETTLE_MOST_PAIRS``).
    settle_time_limit : float
        Seconds HiGHS may take on each group's rounding MIP.

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
    figures = _Figures()
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
        picked, group_bound, group_price, trace, done = _lagrangian(
            problem,
            budgets,
            capacity,
            protected,
            len(needs),
            len(providers),
            max_flows,
            tol,
            seed,
            warm=warm,
            settle_time_limit=settle_time_limit if settle else None,
        )
        figures.steps += done.steps
        figures.warm += done.warm
        figures.step_cpu_s += done.step_cpu_s
        figures.settled += done.settled
        figures.rounded += done.rounded
        figures.settle_s += done.settle_s
        flows += len(trace)
        history.append(trace)
        chosen.append(group[picked])
        bound += group_bound
        mine = np.unique(problem.pool[problem.pool >= 0])
        price[mine] = group_price[mine]
    seconds["search"] = time.perf_counter() - start
    seconds["steps_cpu"], seconds["settle"] = figures.step_cpu_s, figures.settle_s
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
        steps=figures.steps,
        warm_steps=figures.warm,
        settled_pairs=figures.settled,
        rounded_groups=figures.rounded,
    )
