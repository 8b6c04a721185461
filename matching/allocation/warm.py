"""Warm re-solves: an optimal allocation kept as a flow, updated when a need arrives.

A cold solve (:func:`matching.allocation.allocate`) builds and solves the whole min-cost flow
again. When one need is added to an instance already solved, the new optimum differs from the
old one by a single augmenting path (successive shortest paths): the new need's unit of flow
travels from it to the sink along the cheapest path of the old optimum's residual graph, which
has no negative cycle. Such a path is a chain of reassignments — the new need takes provider
``j``, the need ``j`` drops takes ``j'`` … — ending where capacity is free or a need is left
unassigned. It is found by a Bellman–Ford search from the new need alone (vectorised over the
frontier of nodes whose distance changed, integer costs, so exact), and applied in place.

The floor of protected needs is kept. A protected newcomer either raises the most protected
needs servable by one (the path exists with the floor unchanged), or not: then one more
protected need may go unserved, and the floor's arc gains a unit of capacity, which can only
improve the optimum through one cycle using that unit (the cheapest path from the sink back to
the floor node, applied when its cost is negative) before the newcomer's path is searched.

Usage::

    warm = WarmAllocation(needs, providers, scored)     # one cold solve
    allocation = warm.add_need(provider=..., score=..., priority=..., protected=...)

``add_need`` returns the allocation of all needs, the new one last (position ``n``), with the
same integer objective a cold :func:`allocate` of the grown instance reaches at the same
``scale`` (``warm.base_scale``). A newcomer whose pair would round to nothing changes the
instance's value step (:class:`matching.allocation.PairValues`); it is refused with a message,
re-solve cold then.
"""

from __future__ import annotations

import time

import numpy as np

from matching.allocation.flow import Allocation, pair_values
from matching.allocation.solve import allocate
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers

_FAR = np.int64(1) << 62
# Residual arcs, by what they change when a path uses them.
_ASSIGN, _UNASSIGN, _LEAVE, _JOIN, _TAKE, _FREE, _FLOOR_UP, _FLOOR_DOWN = range(8)


class WarmAllocation:
    """The optimal allocation of an instance, kept so that a new need re-solves from it.

    Parameters
    ----------
    needs, providers : Needs, Providers
    scored : ScoredCandidates
    scale : float, optional
        Integer units per unit of value (see :func:`matching.allocation.pair_values`).
    protect : bool
        Keep the floor of protected needs (as :func:`matching.allocation.allocate`).

    Attributes
    ----------
    allocation : Allocation
        The current optimum (after the cold solve, then after each ``add_need``).
    base_scale : float
        The scale before the value step: pass it to ``allocate(scale=…)`` for a cold check.
    """

    def __init__(
        self,
        needs: Needs,
        providers: Providers,
        scored: ScoredCandidates,
        *,
        scale: float | None = None,
        protect: bool = True,
    ):
        values = pair_values(needs, scored, scale)
        self.base_scale = values.scale / values.step
        self.step = values.step
        self.protect = protect
        self.allocation = allocate(needs, providers, scored, scale=self.base_scale, protect=protect)
        candidates = scored.candidates
        self.need = candidates.need.astype(np.int64)
        self.provider = candidates.provider.astype(np.int64)
        self.value = values.value
        self.value_int = values.value_int
        self.capacity = providers.capacity.astype(np.int64)
        self.protected = needs.protected.copy() if protect else np.zeros(len(needs), bool)
        self.assigned = self.allocation.pair.copy()
        servable = self.allocation.protected_servable or 0
        self.floor_room = int(self.protected.sum()) - servable

    @property
    def n_needs(self) -> int:
        return self.assigned.shape[0]

    def add_need(self, *, provider, score, priority: float, protected: bool = False):
        """Add one need with its candidate pairs and re-solve from the current optimum.

        Parameters
        ----------
        provider : ndarray of shape (k,), int
            Provider positions of the new need's candidates.
        score : ndarray of shape (k,), float
            Their scores, in [0, 1].
        priority : float
        protected : bool

        Returns
        -------
        Allocation
            Of all needs, the new one last.
        """
        start = time.perf_counter()
        provider = np.asarray(provider, dtype=np.int64)
        value = priority * np.asarray(score, dtype=np.float32).astype(np.float64)
        units = np.rint(value * self.base_scale).astype(np.int64)
        if np.any(units == 0):
            raise ValueError(
                "the new need has a pair worth less than one unit: it changes the value step, "
                "re-solve cold (allocate)"
            )
        units *= self.step
        i = self.n_needs
        first = self.need.shape[0]
        self.need = np.concatenate([self.need, np.full(provider.shape[0], i)])
        self.provider = np.concatenate([self.provider, provider])
        self.value = np.concatenate([self.value, value])
        self.value_int = np.concatenate([self.value_int, units])
        self.assigned = np.append(self.assigned, -1)
        self.protected = np.append(self.protected, bool(protected and self.protect))
        source, sink = self._need_node(i), self._sink
        path = self._path(source, sink, pending=i)
        if path is None and self.protected[i]:
            # The newcomer cannot raise the protected needs servable: one more may go unserved,
            # and that unit of the floor's capacity may pay off through one cycle.
            # (The path back to the floor node is searched before the floor's arc gains it:
            # with that unit the cycle itself, if negative, would be in the graph searched.)
            cycle = self._path(sink, self._floor, pending=i)
            self.floor_room += 1
            if cycle is not None and cycle[2] < 0:
                self._apply(cycle)
            path = self._path(source, sink, pending=i)
        if path is None:
            raise AssertionError("no augmenting path for the new need")
        self._apply(path)
        seconds = {"solve": time.perf_counter() - start}
        self.allocation = self._allocation(first, seconds)
        return self.allocation

    # -- the residual graph of the current flow -------------------------------------------------
    # Nodes: providers 0..m-1, the sink m, the floor node m+1, then needs (so needs can be added).

    @property
    def _sink(self) -> int:
        return self.capacity.shape[0]

    @property
    def _floor(self) -> int:
        return self.capacity.shape[0] + 1

    def _need_node(self, i):
        return self.capacity.shape[0] + 2 + i

    def _residual(self, pending: int):
        """Arcs (tail, head, cost, kind, ref) of the residual graph; ``pending`` is the need
        whose unit is not routed yet (it has no flow on any arc)."""
        n, m = self.n_needs, self.capacity.shape[0]
        sink, floor = self._sink, self._floor
        pair_on = np.zeros(self.need.shape[0], dtype=bool)
        chosen = self.assigned[self.assigned >= 0]
        pair_on[chosen] = True
        need_node = self._need_node(self.need)
        load = np.bincount(self.provider[chosen], minlength=m)
        served = self.assigned >= 0
        idle_head = np.where(self.protected, floor, sink)
        waiting = ~served
        waiting[pending] = False
        unserved_protected = int(np.count_nonzero(self.protected & waiting))
        needs = np.arange(n)
        off, on = ~pair_on, pair_on
        leaving = served.copy()
        leaving[pending] = True  # the pending need may leave through its idle arc
        free, busy = np.flatnonzero(load < self.capacity), np.flatnonzero(load > 0)
        parts = [
            (
                need_node[off],
                self.provider[off],
                -self.value_int[off],
                _ASSIGN,
                np.flatnonzero(off),
            ),
            (self.provider[on], need_node[on], self.value_int[on], _UNASSIGN, np.flatnonzero(on)),
            (self._need_node(needs[leaving]), idle_head[leaving], 0, _LEAVE, needs[leaving]),
            (idle_head[waiting], self._need_node(needs[waiting]), 0, _JOIN, needs[waiting]),
            (free, np.full(free.shape[0], sink), 0, _TAKE, free),
            (np.full(busy.shape[0], sink), busy, 0, _FREE, busy),
        ]
        if unserved_protected < self.floor_room:
            parts.append((np.array([floor]), np.array([sink]), 0, _FLOOR_UP, np.array([0])))
        if unserved_protected > 0:
            parts.append((np.array([sink]), np.array([floor]), 0, _FLOOR_DOWN, np.array([0])))
        tail = np.concatenate([np.broadcast_to(t, np.shape(r)) for t, _h, _c, _k, r in parts])
        head = np.concatenate([np.broadcast_to(h, np.shape(r)) for _t, h, _c, _k, r in parts])
        cost = np.concatenate(
            [np.broadcast_to(np.int64(c), np.shape(r)) for _t, _h, c, _k, r in parts]
        )
        kind = np.concatenate([np.full(np.shape(r), k, dtype=np.int8) for *_x, k, r in parts])
        ref = np.concatenate([r for *_x, r in parts]).astype(np.int64)
        return tail.astype(np.int64), head.astype(np.int64), cost, kind, ref, m + 2 + n

    def _path(self, source: int, target: int, *, pending: int):
        """The cheapest residual path from ``source`` to ``target``: (kinds, refs, cost), or
        None when there is none (:func:`shortest_paths`: costs can be negative, but the residual
        graph of an optimum has no negative cycle)."""
        tail, head, cost, kind, ref, n_nodes = self._residual(pending)
        order = np.argsort(tail, kind="stable")
        tail, head, cost, kind, ref = tail[order], head[order], cost[order], kind[order], ref[order]
        ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail, minlength=n_nodes), out=ptr[1:])
        dist = np.full(n_nodes, _FAR, dtype=np.int64)
        dist[source] = 0
        pred = shortest_paths(ptr, tail, head, cost, dist)
        if dist[target] >= _FAR:
            return None
        kinds, refs, node = [], [], target
        while node != source:
            arc = pred[node]
            kinds.append(int(kind[arc]))
            refs.append(int(ref[arc]))
            node = int(tail[arc])
        return kinds[::-1], refs[::-1], int(dist[target])

    def _apply(self, path):
        """Push one unit along a residual path: only the needs' assignments change."""
        kinds, refs, _cost = path
        for k, r in zip(kinds, refs, strict=True):
            if k == _ASSIGN:
                self.assigned[self.need[r]] = r
            elif k == _UNASSIGN and self.assigned[self.need[r]] == r:
                self.assigned[self.need[r]] = -1

    def _allocation(self, first_new_pair: int, seconds: dict) -> Allocation:
        n = self.n_needs
        served = self.assigned >= 0
        chosen = self.assigned[served]
        provider = np.full(n, -1, dtype=np.int32)
        provider[served] = self.provider[chosen]
        value = np.zeros(n)
        value[served] = self.value[chosen]
        protected = self.protected if self.protect else None
        return Allocation(
            provider=provider,
            pair=self.assigned.copy(),
            value=value,
            objective=float(value.sum()),
            objective_int=int(self.value_int[chosen].sum()),
            scale=self.base_scale * self.step,
            protected_served=int(np.count_nonzero(self.protected & served)),
            protected_servable=(
                int(protected.sum()) - self.floor_room if protected is not None else None
            ),
            method="min-cost flow, warm",
            seconds=seconds,
            details={"first_new_pair": first_new_pair},
        )


def shortest_paths(ptr, tail, head, cost, dist, *, targets=None, potential=None, residual=None):
    """Bellman–Ford over the frontier of nodes whose distance fell, in place, exact (int64).

    Costs may be negative as long as no cycle is. Every node whose ``dist`` is below ``_FAR``
    on entry is a source at that distance. With ``targets`` (bool per node) it only needs the
    distances up to the nearest target's: a label that reaches it is not followed further (for
    non-negative costs the nodes no farther than the nearest target get exact distances, or
    none at that distance). The work stays within the nodes reached: ``potential`` and
    ``residual`` are read only for the arcs scanned.

    Parameters
    ----------
    ptr : ndarray of shape (n_nodes + 1,), int64
        Arcs are sorted by tail; those of node ``u`` are ``ptr[u]:ptr[u + 1]``.
    tail, head, cost : ndarray of shape (n_arcs,), int64
    dist : ndarray of shape (n_nodes,), int64
        Updated in place; ``_FAR`` where unreached.
    targets : ndarray of shape (n_nodes,), bool, optional
    potential : ndarray of shape (n_nodes,), int64, optional
        Costs are reduced by it: ``cost + potential[tail] − potential[head]``.
    residual : ndarray of shape (n_arcs,), int, optional
        Arcs where it is 0 are left out.

    Returns
    -------
    pred : ndarray of shape (n_nodes,), int64
        The arc each node was last reached by, -1 for sources and unreached nodes.
    """
    pred = np.full(dist.shape[0], -1, dtype=np.int64)
    frontier = np.flatnonzero(dist < _FAR)
    nearest = _FAR
    while frontier.size:
        if targets is not None:
            nearest = int(dist[targets].min(initial=_FAR))
            frontier = frontier[dist[frontier] < nearest]
        counts = ptr[frontier + 1] - ptr[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        arcs = np.repeat(ptr[frontier], counts) + offsets
        if residual is not None:
            arcs = arcs[residual[arcs] > 0]
        reach = dist[tail[arcs]] + cost[arcs]
        to = head[arcs]
        if potential is not None:
            reach += potential[tail[arcs]] - potential[to]
        better = (reach < dist[to]) & (reach <= nearest)
        arcs, reach, to = arcs[better], reach[better], to[better]
        if arcs.size == 0:
            break
        first = np.lexsort((reach, to))
        keep = np.ones(first.shape[0], dtype=bool)
        keep[1:] = to[first[1:]] != to[first[:-1]]
        first = first[keep]
        dist[to[first]] = reach[first]
        pred[to[first]] = arcs[first]
        frontier = to[first]
    return pred
