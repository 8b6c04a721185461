"""The exact best allocation, in one flow or one flow per group."""

from __future__ import annotations

import time

import numpy as np

from matching.allocation.flow import (
    Allocation,
    _result,
    max_servable,
    pair_values,
    protected_servable,
    solve_flow,
)
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers


def allocate(
    needs: Needs,
    providers: Providers,
    scored: ScoredCandidates,
    *,
    scale: float | None = None,
    protect: bool = True,
) -> Allocation:
    """The exact best allocation (min-cost flow), serving the top tier first.

    Parameters
    ----------
    needs, providers : Needs, Providers
    scored : ScoredCandidates
    scale : float, optional
        Integer units per unit of value; by default relative to the instance
        (:func:`pair_values`).
    protect : bool
        Serve as many protected needs as possible before anything else (the floor).

    Returns
    -------
    Allocation
    """
    seconds = {}
    start = time.perf_counter()
    candidates = scored.candidates
    value, value_int, scale = pair_values(needs, scored, scale)[:3]
    servable = None
    if protect:
        servable = protected_servable(needs, providers, candidates)
    seconds["prepare"] = time.perf_counter() - start
    start = time.perf_counter()
    chosen, _objective = solve_flow(
        candidates.need,
        candidates.provider,
        value_int,
        providers.capacity,
        len(needs),
        len(providers),
        protected=needs.protected,
        floor=servable or 0,
    )
    seconds["solve"] = time.perf_counter() - start
    return _result(
        needs, candidates, value, value_int, chosen, scale, servable, "min-cost flow", seconds
    )


def allocate_split(
    needs: Needs,
    providers: Providers,
    scored: ScoredCandidates,
    need_group,
    provider_group,
    *,
    scale: float | None = None,
    protect: bool = True,
) -> Allocation:
    """One exact flow per group (county), dropping pairs that cross groups.

    Smaller flows, run one after another, for regions too large for one; compare its objective
    with :func:`allocate` to see what the split loses.

    Parameters
    ----------
    need_group : ndarray of shape (n_needs,), int
    provider_group : ndarray of shape (n_providers,), int
    """
    seconds = {"prepare": 0.0, "solve": 0.0}
    candidates = scored.candidates
    value, value_int, scale = pair_values(needs, scored, scale)[:3]
    need_group = np.asarray(need_group)
    inside = need_group[candidates.need] == np.asarray(provider_group)[candidates.provider]
    pairs = np.flatnonzero(inside)
    group_of_pair = need_group[candidates.need[pairs]]
    order = np.argsort(group_of_pair, kind="stable")
    pairs, group_of_pair = pairs[order], group_of_pair[order]
    groups, starts = np.unique(group_of_pair, return_index=True)
    ends = np.append(starts[1:], pairs.shape[0])
    chosen, servable_total = [], 0
    for first, last in zip(starts, ends, strict=True):
        start = time.perf_counter()
        part = pairs[first:last]
        need, provider = candidates.need[part], candidates.provider[part]
        servable = 0
        if protect:
            mine = needs.protected[need]
            servable = max_servable(
                need[mine], provider[mine], providers.capacity, len(needs), len(providers)
            )
            servable_total += servable
        seconds["prepare"] += time.perf_counter() - start
        start = time.perf_counter()
        picked, _objective = solve_flow(
            need,
            provider,
            value_int[part],
            providers.capacity,
            len(needs),
            len(providers),
            protected=needs.protected,
            floor=servable,
        )
        chosen.append(part[picked])
        seconds["solve"] += time.perf_counter() - start
    chosen = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    return _result(
        needs,
        candidates,
        value,
        value_int,
        chosen,
        scale,
        servable_total if protect else None,
        f"min-cost flow split into {groups.shape[0]} groups",
        seconds,
    )
