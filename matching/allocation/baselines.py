"""What the optimisation is measured against: first come first served, greedy best pair."""

from __future__ import annotations

import time

import numpy as np

from matching.allocation.flow import Allocation, _result, pair_values
from matching.ranking import top_k_pairs
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers


def allocate_fcfs(
    needs: Needs, providers: Providers, scored: ScoredCandidates, *, scale: float | None = None
) -> Allocation:
    """First come, first served: in arrival order each need takes its best free provider.

    Arrival order is the longest wait first (then the need id): how a station works through
    its referrals by hand today.
    """
    start = time.perf_counter()
    candidates = scored.candidates
    value, value_int, scale = pair_values(needs, scored, scale)[:3]
    counts = candidates.counts()
    ptr = candidates.ptr
    _ranked_ptr, ranked = top_k_pairs(ptr, scored.score, max(int(counts.max(initial=1)), 1))
    best_first_provider = candidates.provider[ranked].tolist()
    ranked_list = ranked.tolist()
    left = providers.capacity.astype(np.int64).tolist()
    arrival = np.lexsort((needs.id, -needs.waiting_days.astype(np.int64)))
    starts, ends = ptr[:-1].tolist(), ptr[1:].tolist()
    chosen = []
    for i in arrival.tolist():
        for r in range(starts[i], ends[i]):
            j = best_first_provider[r]
            if left[j] > 0:
                left[j] -= 1
                chosen.append(ranked_list[r])
                break
    seconds = {"solve": time.perf_counter() - start}
    return _result(needs, candidates, value, value_int, chosen, scale, None, "fcfs", seconds)


def allocate_greedy(
    needs: Needs, providers: Providers, scored: ScoredCandidates, *, scale: float | None = None
) -> Allocation:
    """Greedy best pair first: take pairs by falling ``priority × score`` while they fit."""
    start = time.perf_counter()
    candidates = scored.candidates
    value, value_int, scale = pair_values(needs, scored, scale)[:3]
    order = np.lexsort((candidates.provider, candidates.need, -value_int))
    need_of = candidates.need[order].tolist()
    provider_of = candidates.provider[order].tolist()
    order_list = order.tolist()
    left = providers.capacity.astype(np.int64).tolist()
    free = [True] * len(needs)
    chosen = []
    remaining = len(needs)
    for r, i in enumerate(need_of):
        if free[i]:
            j = provider_of[r]
            if left[j] > 0:
                left[j] -= 1
                free[i] = False
                chosen.append(order_list[r])
                remaining -= 1
                if not remaining:
                    break
    seconds = {"solve": time.perf_counter() - start}
    return _result(needs, candidates, value, value_int, chosen, scale, None, "greedy", seconds)
