"""One chain of help per household (一户一条救助链): fewer providers for a household's needs.

A household with several open needs is better served by one station or volunteer who comes
for all of them than by one provider each. Counting distinct providers makes the problem
quadratic, so the bundling works in two steps that stay exact where it matters:

1. every pair is worth ``(1 + strength × overlap)`` times its ``priority × score``, where
   ``overlap`` is the share of the household's other open needs that the same provider could
   also take; the exact flow (with the floor of protected needs) then prefers shared providers;
2. a consolidation pass moves a household's remaining needs to the provider already serving
   most of them, when that provider is a candidate, has room, and the move loses no more than
   ``strength`` of the pair's value.

:func:`bundle_stats` measures the result and :func:`allocate_bundled` reports what the bundling
costs against the plain optimum in ``priority × score``. The platform's allocation runs
bundle when staff ask for it (the run's "one chain of help per household" option), and show
that cost and the households served by one provider on the run's page.
"""

from __future__ import annotations

import time

import numpy as np

from matching.allocation import (
    Allocation,
    _result,
    pair_values,
    protected_servable,
    solve_flow,
)
from matching.scoring import ScoredCandidates
from matching.types import Needs, Providers


def household_overlap(needs: Needs, scored: ScoredCandidates) -> np.ndarray:
    """For every pair, the share of the household's other needs the provider could also take.

    Returns
    -------
    ndarray of shape (n_pairs,), float64, in [0, 1]
    """
    candidates = scored.candidates
    household = needs.household[candidates.need]
    _values, inverse, counts = np.unique(
        household * np.int64(candidates.provider.max(initial=0) + 1) + candidates.provider,
        return_inverse=True,
        return_counts=True,
    )
    _h, h_inverse, h_counts = np.unique(needs.household, return_inverse=True, return_counts=True)
    others = (h_counts[h_inverse] - 1)[candidates.need]
    shared = counts[inverse] - 1
    return np.where(others > 0, shared / np.maximum(others, 1), 0.0)


def bundle_stats(needs: Needs, allocation: Allocation) -> dict:
    """How many providers serve each household with several allocated needs.

    Returns
    -------
    dict
        ``households`` (with at least two allocated needs), ``providers_per_household``
        (mean distinct providers among them), ``single_provider_share`` (share served by one).
    """
    served = allocation.provider >= 0
    household = needs.household[served]
    provider = allocation.provider[served]
    h_values, h_counts = np.unique(household, return_counts=True)
    several = h_values[h_counts >= 2]
    mine = np.isin(household, several)
    distinct = np.unique(np.stack([household[mine], provider[mine]]), axis=1)
    _h, per_household = np.unique(distinct[0], return_counts=True)
    if several.size == 0:
        return {"households": 0, "providers_per_household": 0.0, "single_provider_share": 0.0}
    return {
        "households": int(several.size),
        "providers_per_household": float(per_household.mean()),
        "single_provider_share": float(np.mean(per_household == 1)),
    }


def _consolidate(needs, providers, candidates, value, chosen_pair, strength):
    """Move needs to the provider already serving most of their household, when it is worth it."""
    n = len(needs)
    assigned = np.flatnonzero(chosen_pair >= 0)
    provider_of = np.full(n, -1, dtype=np.int64)
    provider_of[assigned] = candidates.provider[chosen_pair[assigned]]
    left = providers.capacity.astype(np.int64) - np.bincount(
        provider_of[assigned], minlength=len(providers)
    )
    household = needs.household
    order = np.argsort(household[assigned], kind="stable")
    members = assigned[order]
    starts = np.flatnonzero(np.r_[True, household[members][1:] != household[members][:-1]])
    ends = np.r_[starts[1:], members.shape[0]]
    moved = 0
    for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
        if last - first < 2:
            continue
        group = members[first:last]
        serving, count = np.unique(provider_of[group], return_counts=True)
        if serving.shape[0] == 1:
            continue
        hub = serving[np.argmax(count)]
        for i in group[provider_of[group] != hub].tolist():
            if left[hub] <= 0:
                break
            row = slice(candidates.ptr[i], candidates.ptr[i + 1])
            at = np.flatnonzero(candidates.provider[row] == hub)
            if at.size == 0:
                continue
            pair = candidates.ptr[i] + int(at[0])
            current = chosen_pair[i]
            if value[pair] < (1.0 - strength) * value[current]:
                continue
            left[hub] -= 1
            left[provider_of[i]] += 1
            provider_of[i] = hub
            chosen_pair[i] = pair
            moved += 1
    return chosen_pair, moved


def allocate_bundled(
    needs: Needs,
    providers: Providers,
    scored: ScoredCandidates,
    *,
    strength: float = 0.3,
    scale: float | None = None,
    protect: bool = True,
) -> Allocation:
    """An allocation that prefers one provider per household.

    Parameters
    ----------
    needs, providers : Needs, Providers
    scored : ScoredCandidates
    strength : float in [0, 1]
        How much ``priority × score`` a shared provider may cost: 0 is the plain optimum.
    scale : float, optional
        Integer units per unit of value; by default relative to the instance
        (:func:`matching.allocation.pair_values`).
    protect : bool
        Keep the floor of protected needs (see :func:`matching.allocation.allocate`).

    Returns
    -------
    Allocation
        Its objective is in plain ``priority × score``, so it compares with the optimum's;
        ``details["moved"]`` counts the needs the consolidation moved.
    """
    if not 0 <= strength <= 1:
        raise ValueError("strength must lie in [0, 1]")
    start = time.perf_counter()
    candidates = scored.candidates
    value, value_int, scale, step = pair_values(needs, scored, scale)
    # The household's bonus in whole steps, so a pair worth nothing keeps its one unit.
    bonus = np.rint(value * strength * household_overlap(needs, scored) * (scale / step))
    boosted = value_int + bonus.astype(np.int64) * step
    servable = protected_servable(needs, providers, candidates) if protect else None
    chosen, _objective = solve_flow(
        candidates.need,
        candidates.provider,
        boosted,
        providers.capacity,
        len(needs),
        len(providers),
        protected=needs.protected,
        floor=servable or 0,
    )
    chosen_pair = np.full(len(needs), -1, dtype=np.int64)
    chosen_pair[candidates.need[chosen]] = chosen
    chosen_pair, moved = _consolidate(needs, providers, candidates, value, chosen_pair, strength)
    seconds = {"solve": time.perf_counter() - start}
    result = _result(
        needs,
        candidates,
        value,
        value_int,
        chosen_pair[chosen_pair >= 0],
        scale,
        servable,
        "bundled min-cost flow",
        seconds,
    )
    result.details["moved"] = moved
    return result
