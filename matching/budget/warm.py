"""Warm steps of the price search: the previous optimal flow re-solved for new pair values.

A step of the Lagrangian search changes only the values of the pool-paid pairs; the network of
:func:`matching.allocation.solve_flow` (needs, providers, the sink, the floor node) stays the
same. The previous optimum is kept as a flow with node potentials ``π`` under which every
residual arc has a non-negative reduced cost ``c(u, v) + π(u) − π(v)``. New values break that
only on pair arcs: those whose reduced cost turned negative are saturated (or emptied, for
a pair in use that lost value), which restores the optimality conditions and leaves some nodes
with a unit too many or too few. Balance is restored by the primal–dual method: shortest
distances from the nodes with too many (exact integer Bellman–Ford over non-negative reduced
costs, :func:`matching.allocation.warm.shortest_paths`), the potentials raised by them, then a
maximum flow (scipy's Dinic) over the arcs of zero reduced cost moves as many units as those
shortest paths carry at once; repeated until balanced. Every step keeps the conditions, so the
result is an optimum of the same integer objective a cold flow reaches.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from matching.allocation import solve_flow
from matching.allocation.warm import _FAR, shortest_paths

# Price steps that flip more pair arcs than this share of the needs are solved cold.
FLIPS_PER_NEED = 0.01


class WarmFlow:
    """The min-cost flow of one set of pairs, kept to re-solve when their values change.

    Same model as :func:`matching.allocation.solve_flow`: each need allocated at most once,
    provider ``j`` at most ``capacity[j]`` times, at least ``floor`` protected needs served.

    Parameters
    ----------
    need, provider : ndarray of shape (p,), int
        Pairs (positions).
    capacity : ndarray of shape (n_providers,), int
    n_needs, n_providers : int
    protected : ndarray of shape (n_needs,), bool
    floor : int
    max_flips : int, optional
        A change that flips more pair arcs than this is solved cold (each phase of the warm
        solve costs about a shortest-path search over the nodes it reaches, and a large change
        takes about one phase per flip); by default ``FLIPS_PER_NEED`` of the needs. After a
        cold solve the potentials (one Bellman–Ford over the whole graph) are only worked out
        once the last solve changed no more pairs than this: steps shrink as the search
        converges, and until they do a warm attempt would not pay.

    Attributes
    ----------
    warm_solves, phases : int
        Solves done warm, and their shortest-path rounds (each moves one unit or more).
    """

    def __init__(
        self,
        need,
        provider,
        capacity,
        n_needs,
        n_providers,
        *,
        protected,
        floor=0,
        max_flips=None,
    ):
        self.need, self.provider = np.asarray(need), np.asarray(provider)
        self.capacity, self.n_needs, self.n_providers = capacity, n_needs, n_providers
        self.protected, self.floor = protected, floor
        p = self.need.shape[0]
        needs_used, tail = np.unique(self.need, return_inverse=True)
        providers_used, head = np.unique(self.provider, return_inverse=True)
        a, b = needs_used.shape[0], providers_used.shape[0]
        self.max_flips = max(int(FLIPS_PER_NEED * a), 1) if max_flips is None else max_flips
        sink, floor_node = a + b, a + b + 1
        is_protected = protected[needs_used] if floor > 0 else np.zeros(a, dtype=bool)
        # Arcs: pairs, then each need's "unassigned" arc, each provider's, the floor's.
        self.tail = np.concatenate([tail, np.arange(a), a + np.arange(b), [floor_node]])
        self.head = np.concatenate(
            [a + head, np.where(is_protected, floor_node, sink), np.full(b, sink), [sink]]
        ).astype(np.int64)
        self.cap = np.concatenate(
            [
                np.ones(p + a, dtype=np.int64),
                np.asarray(capacity, dtype=np.int64)[providers_used],
                [max(int(is_protected.sum()) - floor, 0)],
            ]
        )
        self.cost = np.zeros(self.tail.shape[0], dtype=np.int64)
        self.supply = np.zeros(a + b + 2, dtype=np.int64)
        self.supply[:a], self.supply[sink] = 1, -a
        self.n_pairs, self.n_nodes, self.sink = p, a + b + 2, sink
        self.ptr = None  # the residual graph, built when a warm step is first tried
        self.x = None  # flow on each arc, once solved
        self.potential = None  # node potentials of the flow, worked out when a warm step may pay
        self.changed = 0  # pairs the last solve took or dropped (the first: took)
        self.warm_solves = self.phases = 0

    def _graph(self):
        """The residual graph, fixed in shape: entry e is arc e forward, entry E + e backward,
        sorted by tail once; what changes is each entry's residual capacity."""
        n_arcs = self.tail.shape[0]
        tails = np.concatenate([self.tail, self.head])
        self.order = np.argsort(tails, kind="stable")
        self.position = np.empty(2 * n_arcs, dtype=np.int64)
        self.position[self.order] = np.arange(2 * n_arcs)
        self.r_tail = tails[self.order]
        self.r_head = np.concatenate([self.head, self.tail])[self.order]
        self.r_arc = self.order % n_arcs
        self.r_sign = np.where(self.order < n_arcs, 1, -1)
        self.ptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(tails, minlength=self.n_nodes), out=self.ptr[1:])

    def solve(self, value_int) -> tuple[np.ndarray, int]:
        """The optimum for these pair values: from the previous one when few arcs flip.

        Returns
        -------
        chosen : ndarray of shape (k,), int64
            Indices of the allocated pairs.
        objective_int : int
        """
        value_int = np.asarray(value_int, dtype=np.int64)
        p = self.n_pairs
        before = None if self.x is None else self.x[:p] > 0
        if before is not None and self.potential is None and self.changed <= self.max_flips:
            self._potentials()  # under the previous values, for which the flow is optimal
        self.cost[:p] = -value_int
        if self.potential is None:
            self._cold(value_int)
        else:
            reduced = self.cost[:p] + self.potential[self.tail[:p]] - self.potential[self.head[:p]]
            gain, loss = ~before & (reduced < 0), before & (reduced > 0)
            if np.count_nonzero(gain) + np.count_nonzero(loss) > self.max_flips:
                self._cold(value_int)
            else:
                self._warm(np.flatnonzero(gain), np.flatnonzero(loss))
        after = self.x[:p] > 0
        self.changed = int(np.count_nonzero(after if before is None else before != after))
        chosen = np.flatnonzero(after)
        return chosen, int(value_int[chosen].sum())

    def _cold(self, value_int):
        chosen, _objective = solve_flow(
            self.need,
            self.provider,
            value_int,
            self.capacity,
            self.n_needs,
            self.n_providers,
            protected=self.protected,
            floor=self.floor,
        )
        p, a = self.n_pairs, int(self.supply[: self.sink].sum())
        x = np.zeros(self.tail.shape[0], dtype=np.int64)
        x[chosen] = 1
        idle = np.ones(a, dtype=bool)
        idle[self.tail[chosen]] = False
        x[p : p + a] = idle
        b = self.sink - a
        x[p + a : p + a + b] = np.bincount(self.head[chosen] - a, minlength=b)
        x[-1] = np.count_nonzero(idle & (self.head[p : p + a] != self.sink))
        self.x = x
        self.potential = None

    def _potentials(self):
        # Potentials from the residual graph of the optimum (no negative cycle): every node a
        # source at distance 0, as from a virtual root joined to all of them.
        if self.ptr is None:
            self._graph()
        x = self.x
        self.residual = np.where(
            self.r_sign > 0, self.cap[self.r_arc] - x[self.r_arc], x[self.r_arc]
        )
        self.potential = np.zeros(self.n_nodes, dtype=np.int64)
        shortest_paths(
            self.ptr,
            self.r_tail,
            self.r_head,
            self._entry_cost(),
            self.potential,
            residual=self.residual,
        )

    def _entry_cost(self):
        return self.r_sign * self.cost[self.r_arc]

    def _warm(self, gain, loss):
        self.warm_solves += 1
        excess = np.zeros(self.n_nodes, dtype=np.int64)
        for arcs, units in ((gain, 1), (loss, -1)):
            self._move(arcs, np.full(arcs.shape[0], units))
            np.add.at(excess, self.head[arcs], units)
            np.subtract.at(excess, self.tail[arcs], units)
        cost = self._entry_cost()
        while excess.any():
            self.phases += 1
            dist = np.where(excess > 0, 0, _FAR)
            shortest_paths(
                self.ptr,
                self.r_tail,
                self.r_head,
                cost,
                dist,
                targets=excess < 0,
                potential=self.potential,
                residual=self.residual,
            )
            nearest = int(dist[excess < 0].min())
            if nearest >= _FAR:
                raise AssertionError("no augmenting path: the floor cannot be kept")
            # Raising the reached nodes by their distance (the others by ``nearest``, the same
            # thing up to a constant) keeps every reduced cost non-negative and makes the
            # shortest paths' arcs zero.
            near = np.flatnonzero(dist <= nearest)
            self.potential[near] += dist[near] - nearest
            self._push(near, cost, excess)

    def _push(self, near, cost, excess):
        """Move as many units as the arcs of zero reduced cost between the reached nodes
        carry from surplus to deficit (scipy's maximum flow over them, nodes renumbered)."""
        counts = self.ptr[near + 1] - self.ptr[near]
        total = int(counts.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        entries = np.repeat(self.ptr[near], counts) + offsets
        tail, head = self.r_tail[entries], self.r_head[entries]
        number = np.full(self.n_nodes, -1, dtype=np.int64)
        number[near] = np.arange(near.shape[0])
        reduced = cost[entries] + self.potential[tail] - self.potential[head]
        usable = (self.residual[entries] > 0) & (number[head] >= 0) & (reduced == 0)
        entries, tail, head = entries[usable], number[tail[usable]], number[head[usable]]
        k = near.shape[0]
        source, target = k, k + 1
        surplus = np.flatnonzero(excess[near] > 0)
        deficit = np.flatnonzero(excess[near] < 0)
        graph = sparse.csr_array(
            (
                np.concatenate(
                    [self.residual[entries], excess[near][surplus], -excess[near][deficit]]
                ).astype(np.int32),
                (
                    np.concatenate([tail, np.full(surplus.shape[0], source), deficit]),
                    np.concatenate([head, surplus, np.full(deficit.shape[0], target)]),
                ),
            ),
            shape=(k + 2, k + 2),
        )
        moved = maximum_flow(graph, source, target).flow
        # A residual entry is the only one from its tail to its head (no two arcs join the
        # same nodes), so the net flow between them is what it carried.
        units = np.asarray(moved[tail, head]).ravel().astype(np.int64)
        carried = units > 0
        entries, units = entries[carried], units[carried]
        arcs = self.r_arc[entries]
        signed = units * self.r_sign[entries]
        self._move(arcs, signed)
        np.subtract.at(excess, self.r_tail[entries], units)
        np.add.at(excess, self.r_head[entries], units)

    def _move(self, arcs, units):
        """Add ``units`` of flow to ``arcs``, keeping the residual capacities in step."""
        self.x[arcs] += units
        n_arcs = self.tail.shape[0]
        self.residual[self.position[arcs]] -= units
        self.residual[self.position[n_arcs + arcs]] += units
