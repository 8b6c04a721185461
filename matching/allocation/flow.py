"""The exact flow: integer values of pairs, the min-cost flow with its floor, max flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from matching.candidates import Candidates
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers

# OR-Tools' min-cost flow refuses (BAD_COST_RANGE) when the largest cost times the number of
# nodes reaches about 2^62.
_COST_LIMIT = 1 << 62
# The budget search (matching.budget) multiplies values by this to price money finely.
PENALTY_RESOLUTION = 16
# Finer than this buys nothing: the values themselves are float64.
_MAX_RESOLUTION = 1 << 40
# Coarser than this and the instance is too large for one flow.
_MIN_RESOLUTION = 1 << 10


@dataclass(frozen=True, eq=False)
class Allocation:
    """Who serves whom.

    Attributes
    ----------
    provider : ndarray of shape (n_needs,), int32
        Provider position allocated to each need, or -1.
    pair : ndarray of shape (n_needs,), int64
        Index of the allocated pair in the scored candidates, or -1.
    value : ndarray of shape (n_needs,), float64
        ``priority × score`` of the allocated pair, 0 when unallocated.
    objective : float
        Sum of ``value``.
    objective_int : int
        Sum of the scaled integer values the solver maximised.
    scale : float
        Integer units per unit of value (:class:`PairValues`).
    protected_served : int
        Protected needs allocated.
    protected_servable : int or None
        The most protected needs any allocation could serve, when it was worked out.
    method : str
    seconds : dict of str to float
        Time spent in each step.
    details : dict
        Method-specific figures (e.g. needs moved by the bundling).
    """

    provider: np.ndarray
    pair: np.ndarray
    value: np.ndarray
    objective: float
    objective_int: int
    scale: float
    protected_served: int
    protected_servable: int | None
    method: str
    seconds: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def n_allocated(self) -> int:
        return int(np.count_nonzero(self.provider >= 0))

    def load(self, n_providers: int) -> np.ndarray:
        """Needs allocated to each provider, shape (n_providers,)."""
        chosen = self.provider[self.provider >= 0]
        return np.bincount(chosen, minlength=n_providers)


class PairValues(NamedTuple):
    """``priority × score`` of every candidate pair, and the integers the solver maximises.

    Attributes
    ----------
    value : ndarray of shape (n_pairs,), float64
    value_int : ndarray of shape (n_pairs,), int64
        ``value × scale``, rounded; pairs that round to nothing are worth 1 (see the module).
    scale : float
        Integer units per unit of value.
    step : int
        Integer units per unit of resolution: 1 plus the needs that have a pair worth
        nothing (``value_int`` of the other pairs are multiples of it).
    """

    value: np.ndarray
    value_int: np.ndarray
    scale: float
    step: int


def resolution(n_needs: int, n_nodes: int) -> int:
    """Integer units of the largest pair value: as many as the solver's cost range allows.

    The largest cost the flow sees is ``resolution × step × PENALTY_RESOLUTION`` with
    ``step ≤ n_needs + 1`` (:class:`PairValues`); times the nodes it must stay below the
    solver's limit of about ``2^62``, with a factor 2 to spare. Bounded by ``2^40`` (beyond the
    precision of the values) and refused below ``2^10``.

    Parameters
    ----------
    n_needs : int
    n_nodes : int
        An upper bound on the flow's nodes (needs + providers + 2).
    """
    units = _COST_LIMIT // ((n_needs + 1) * n_nodes * PENALTY_RESOLUTION * 2)
    if units < _MIN_RESOLUTION:
        raise ValueError(
            f"{n_needs} needs over {n_nodes} nodes are too many for one integer min-cost flow: "
            "split the region (allocate_split)"
        )
    return min(units, _MAX_RESOLUTION)


def pair_values(needs: Needs, scored: ScoredCandidates, scale: float | None = None) -> PairValues:
    """``priority × score`` of every candidate pair, as floats and as scaled integers.

    Parameters
    ----------
    needs : Needs
    scored : ScoredCandidates
    scale : float, optional
        Integer units per unit of value before the step (see :class:`PairValues`); by default
        the largest pair value becomes :func:`resolution` units.

    Returns
    -------
    PairValues
    """
    value = needs.priority[scored.candidates.need] * scored.score.astype(np.float64)
    if scale is None:
        top = float(value.max(initial=0.0))
        nodes = len(needs) + int(scored.candidates.provider.max(initial=-1)) + 3
        scale = resolution(len(needs), nodes) / top if top > 0 else 1.0
    units = np.rint(value * scale).astype(np.int64)
    nothing = units == 0
    step = 1
    if nothing.any():
        step += int(np.unique(scored.candidates.need[nothing]).shape[0])
        units *= step
        units[nothing] = 1
    return PairValues(value, units, float(scale) * step, step)


def _result(needs, candidates, value, value_int, chosen_pairs, scale, servable, method, seconds):
    n = len(needs)
    provider = np.full(n, -1, dtype=np.int32)
    pair = np.full(n, -1, dtype=np.int64)
    per_need = np.zeros(n, dtype=np.float64)
    chosen_pairs = np.asarray(chosen_pairs, dtype=np.int64)
    owners = candidates.need[chosen_pairs]
    if np.unique(owners).shape[0] != owners.shape[0]:
        raise AssertionError("a need was allocated twice")
    provider[owners] = candidates.provider[chosen_pairs]
    pair[owners] = chosen_pairs
    per_need[owners] = value[chosen_pairs]
    return Allocation(
        provider=provider,
        pair=pair,
        value=per_need,
        objective=float(per_need.sum()),
        objective_int=int(value_int[chosen_pairs].sum()),
        scale=scale,
        protected_served=int(np.count_nonzero(needs.protected & (provider >= 0))),
        protected_servable=servable,
        method=method,
        seconds=seconds,
    )


def _compact(index, size):
    """Renumber the values used in ``index`` as 0..k-1; returns (new index, used mask)."""
    used = np.zeros(size, dtype=bool)
    used[index] = True
    number = np.cumsum(used, dtype=np.int64) - 1
    return number[index], used


def max_servable(need, provider, capacity, n_needs, n_providers) -> int:
    """Size of a maximum allocation using only the given pairs (OR-Tools max flow).

    Parameters
    ----------
    need, provider : ndarray of shape (p,), int
        Pairs (positions).
    capacity : ndarray of shape (n_providers,), int
    n_needs, n_providers : int
    """
    if np.shape(need)[0] == 0:
        return 0
    tail, needs_used = _compact(need, n_needs)
    head, providers_used = _compact(provider, n_providers)
    a, b = int(needs_used.sum()), int(providers_used.sum())
    source, sink = a + b, a + b + 1
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.concatenate([np.full(a, source), tail, a + np.arange(b)]).astype(np.int32),
        np.concatenate([np.arange(a), a + head, np.full(b, sink)]).astype(np.int32),
        np.concatenate(
            [np.ones(a + tail.shape[0], dtype=np.int64), capacity[providers_used]]
        ).astype(np.int64),
    )
    status = flow.solve(source, sink)
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    return int(flow.optimal_flow())


def protected_servable(needs: Needs, providers: Providers, candidates: Candidates) -> int:
    """The most protected needs any allocation could serve: a max flow over them alone."""
    pairs = np.flatnonzero(needs.protected[candidates.need])
    return max_servable(
        candidates.need[pairs],
        candidates.provider[pairs],
        providers.capacity.astype(np.int64),
        len(needs),
        len(providers),
    )


def solve_flow(
    need,
    provider,
    value_int,
    capacity,
    n_needs: int,
    n_providers: int,
    *,
    protected=None,
    floor: int = 0,
) -> tuple[np.ndarray, int]:
    """Exact maximum-value allocation of pairs by min-cost flow.

    Maximises ``Σ value_int[a] · x[a]`` over pairs ``a = (need[a], provider[a])`` with
    ``x ∈ {0, 1}``, each need allocated at most once, provider ``j`` at most ``capacity[j]``
    times, and at least ``floor`` needs with ``protected`` set allocated.

    Parameters
    ----------
    need, provider : ndarray of shape (p,), int
    value_int : ndarray of shape (p,), int64
    capacity : ndarray of shape (n_providers,), int
    n_needs, n_providers : int
    protected : ndarray of shape (n_needs,), bool, optional
    floor : int
        Must not exceed what a max flow over the protected needs allows.

    Returns
    -------
    chosen : ndarray of shape (k,), int64
        Indices of the allocated pairs.
    objective_int : int
    """
    value_int = np.asarray(value_int, dtype=np.int64)
    useful = value_int > 0
    if floor > 0:
        useful |= protected[need]
    # A pair worth nothing never beats leaving the need unassigned, unless the floor needs it.
    kept = np.flatnonzero(useful)
    if kept.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    needs_used = np.zeros(n_needs, dtype=bool)
    needs_used[need[kept]] = True
    providers_used = np.zeros(n_providers, dtype=bool)
    providers_used[provider[kept]] = True
    a, b = int(needs_used.sum()), int(providers_used.sum())
    sink, floor_node = a + b, a + b + 1
    p = kept.shape[0]
    n_arcs = p + a + b + (1 if floor > 0 else 0)
    # Arcs are written straight into the arrays OR-Tools copies, which are freed before the
    # solve: at a province's millions of arcs the peak memory is the solver's own.
    tails = np.empty(n_arcs, dtype=np.int32)
    heads = np.empty(n_arcs, dtype=np.int32)
    capacities = np.ones(n_arcs, dtype=np.int64)
    costs = np.zeros(n_arcs, dtype=np.int64)
    number = np.cumsum(needs_used, dtype=np.int32) - 1
    tails[:p] = number[need[kept]]
    number = np.cumsum(providers_used, dtype=np.int32) - 1 + a
    heads[:p] = number[provider[kept]]
    del number
    np.negative(value_int[kept], out=costs[:p])
    tails[p : p + a] = np.arange(a)
    heads[p : p + a] = sink
    n_protected = 0
    if floor > 0:
        is_protected = protected[needs_used]
        n_protected = int(is_protected.sum())
        heads[p : p + a][is_protected] = floor_node
        tails[-1], heads[-1], capacities[-1] = floor_node, sink, max(n_protected - floor, 0)
    tails[p + a : p + a + b] = a + np.arange(b)
    heads[p + a : p + a + b] = sink
    capacities[p + a : p + a + b] = capacity[providers_used]
    n_nodes = a + b + 2
    if int(np.abs(costs).max(initial=0)) * n_nodes >= _COST_LIMIT:
        raise ValueError(
            "pair values span too wide a range for the integer min-cost flow "
            f"(largest {int(np.abs(costs).max())} units over {n_nodes} nodes): scale them down"
        )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    del tails, heads, capacities, costs
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[:a] = 1
    supplies[sink] = -a
    flow.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(np.arange(p, dtype=np.int32))
    chosen = kept[flows > 0]
    return chosen, -int(flow.optimal_cost())
