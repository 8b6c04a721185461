"""Runs the pure engine (``matching``) on an adapter instance and returns plain rows.

Candidates → scores → top-k ranking → (optionally) the exact allocation that serves the
protected tier first, within the budget left in each procured project when projects take part
(then with the bound it is measured against), and, when the run asks for it, one chain of help
per household (一户一条救助链: ``matching.bundles``), its cost in score measured against the
allocation without it. The learned success model is the newest version in
``SUCCESS_MODELS`` when one was trained (``manage.py train_success_model``); without one every
pair gets the same success component, which leaves the order to the other components.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from bangfu.core.model_store import ModelStore
from bangfu.matching_runs.adapter import Instance, kind_and_pk
from bangfu.matching_runs.fairness import fairness_report
from matching.allocation import allocate as allocate_flow
from matching.allocation import allocate_fcfs, protected_servable
from matching.budget import allocate_with_budget
from matching.bundles import allocate_bundled, bundle_stats
from matching.candidates import generate_candidates
from matching.ranking import rank_candidates
from matching.scoring import COMPONENTS, DEFAULT_WEIGHTS, ScoreWeights, score_candidates
from matching.success import SuccessModel, is_compatible
from matching.types import ALL_TIMES

# How the engine's component names read to staff: the words.
# In the order the run's page explains them (``explain.reasons``).
COMPONENT_LABELS = {
    "distance": "distance",
    "skill": "skills",
    "success": "success",
    "continuity": "continuity",
    "quality": "quality",
    "availability": "availability",
    "headroom": "capacity",
}


@dataclass(frozen=True)
class Row:
    need_id: int
    rank: int
    kind: str
    provider_id: int
    score: float
    components: dict  # the components by label, and the "facts" they come from (``_facts``)
    distance_km: float | None
    priority: Decimal


@dataclass(frozen=True)
class Result:
    ranked: list[Row]
    allocated: list[Row]
    pairs: int
    objective: float | None
    bound: float | None = None
    fairness: dict | None = None  # ``bangfu.matching_runs.fairness.fairness_report``
    # Whether the protected floor is proven the most servable (False: the exact solver stopped
    # at its time limit), and then the most it could be; None when nothing was allocated.
    floor_proven: bool | None = None
    floor_upper: int | None = None
    bundles: dict | None = None  # ``_bundle``'s figures when the run bundled households


SUCCESS_MODELS = ModelStore("success", compatible=is_compatible)


def success_model() -> SuccessModel | None:
    """The newest trained version; None before any training."""
    loaded = SUCCESS_MODELS.latest()
    return None if loaded is None else loaded[0]


def _facts(instance: Instance, i: int, j: int, *, learned: bool, distance_scale_km: float) -> dict:
    """The quantities behind a pair's components, for staff to read them in their own units
    (``bangfu.matching_runs.explain``): places free of the total, the rating out of 5, the
    provider's finished and completed referrals, the times asked and those the provider is free
    at, whether the chance of success was learned or is the engine's default, and the distance
    scale the run scored with (its weights' ``distance_scale_km``)."""
    needs, providers = instance.needs, instance.providers
    quality = float(providers.quality[j])
    free = int(providers.times[j]) or ALL_TIMES
    asked = int(needs.times[i])
    return {
        "places_free": int(providers.capacity[j]),
        "places_total": int(providers.capacity_total[j]),
        "rating": None if np.isnan(quality) else round(quality * 5, 1),
        "finished": int(providers.past_referrals[j]),
        "completed": int(providers.past_completed[j]),
        "times_asked": asked.bit_count(),
        "times_covered": (asked & free).bit_count(),
        "free_slots": free.bit_count(),
        "learned": learned,
        "distance_scale_km": distance_scale_km,
    }


def row(
    instance: Instance,
    i: int,
    rank: int,
    provider: int,
    score,
    components,
    distance,
    *,
    learned: bool,
    distance_scale_km: float,
) -> Row:
    """The row of need ``i`` and provider ``provider`` ranked ``rank`` (0: allocated): its
    score, its components by label with the facts behind them, its distance. Used by the runs
    and by the intake desk's one-need ranking (``bangfu.matching_runs.ranking``)."""
    kind, pk = kind_and_pk(int(instance.providers.id[provider]))
    return Row(
        need_id=int(instance.needs.id[i]),
        rank=rank,
        kind=kind,
        provider_id=pk,
        score=round(float(score), 4),
        components={
            **{COMPONENT_LABELS[name]: round(float(components[name]), 4) for name in COMPONENTS},
            "facts": _facts(
                instance, i, provider, learned=learned, distance_scale_km=distance_scale_km
            ),
        },
        distance_km=round(float(distance), 2),
        priority=Decimal(str(instance.needs.priority[i])).quantize(Decimal("0.01")),
    )


def _single_provider(stats: dict) -> int:
    """Households (of those with several needs placed) served by one provider for all."""
    return round(stats["single_provider_share"] * stats["households"])


def _bundle(instance: Instance, scored, plain, strength: float):
    """The allocation preferring one provider per household, and its figures against ``plain``
    (the allocation without it).

    The bundled flow does not see the procured projects' budgets, but a project costs the same
    for every case: each paid provider may take at most the cases ``plain`` gave it, so every
    pool spends at most what ``plain`` spent and the floor ``plain`` served stays servable."""
    needs, providers = instance.needs, instance.providers
    used = np.bincount(plain.provider[plain.provider >= 0], minlength=len(providers))
    paid = providers.pool >= 0
    if paid.any():
        capacity = np.where(paid, np.minimum(providers.capacity, used), providers.capacity)
        providers = replace(providers, capacity=capacity.astype(providers.capacity.dtype))
    bundled = allocate_bundled(needs, providers, scored, strength=strength)
    before, after = bundle_stats(needs, plain), bundle_stats(needs, bundled)
    return bundled, {
        "strength": strength,
        "objective": bundled.objective,
        "plain_objective": plain.objective,
        "households": after["households"],
        "single_provider": _single_provider(after),
        "plain_households": before["households"],
        "plain_single_provider": _single_provider(before),
        "moved": int(bundled.details.get("moved", 0)),
    }


def solve(
    instance: Instance,
    *,
    top_k: int = 10,
    allocate: bool = False,
    weights: ScoreWeights | None = None,
    bundle_strength: float | None = None,
) -> Result:
    """Rank every need's candidates and, with ``allocate``, propose one provider per need;
    ``bundle_strength`` (in [0, 1], None: no bundling) prefers one provider per household."""
    needs, providers = instance.needs, instance.providers
    candidates = generate_candidates(needs, providers)
    model = success_model()
    scale = (weights or DEFAULT_WEIGHTS).distance_scale_km
    scored = score_candidates(needs, providers, candidates, weights=weights, success_model=model)
    ranking = rank_candidates(scored, k=top_k)
    need_of_ranked = np.repeat(np.arange(len(needs)), np.diff(ranking.ptr))
    ranked = []
    for r, i in enumerate(need_of_ranked):
        ranked.append(
            row(
                instance,
                int(i),
                r - int(ranking.ptr[i]) + 1,
                int(ranking.provider[r]),
                ranking.score[r],
                {name: ranking.components[name][r] for name in COMPONENTS},
                ranking.distance_km[r],
                learned=model is not None,
                distance_scale_km=scale,
            )
        )
    if not allocate:
        return Result(ranked=ranked, allocated=[], pairs=len(candidates), objective=None)
    bound, floor_upper, bundles = None, None, None
    if len(instance.budgets) and np.any(providers.pool >= 0):
        # Procured projects are paid per case: stay within what each project has left.
        budgeted = allocate_with_budget(needs, providers, scored, instance.budgets)
        allocation, bound, servable = budgeted.allocation, budgeted.bound, budgeted.floor
        floor_proven = budgeted.floor_proven
        if not floor_proven:
            # No allocation serves more protected needs than one that ignores the budgets.
            floor_upper = protected_servable(needs, providers, candidates)
    else:
        allocation = allocate_flow(needs, providers, scored)
        servable, floor_proven = allocation.protected_servable, True  # a max flow: exact
    if servable is None:
        servable = protected_servable(needs, providers, candidates)
    if bundle_strength is not None:
        plain = allocation
        allocation, bundles = _bundle(instance, scored, plain, bundle_strength)
        if bound is None and allocation.objective < plain.objective:
            bound = plain.objective  # the plain optimum: the run's gap is the bundling's cost
    baseline = allocate_fcfs(needs, providers, scored)
    allocated = []
    for i in np.flatnonzero(allocation.provider >= 0):
        pair = int(allocation.pair[i])
        allocated.append(
            row(
                instance,
                int(i),
                0,
                int(allocation.provider[i]),
                scored.score[pair],
                {name: scored.components[name][pair] for name in COMPONENTS},
                candidates.distance_km[pair],
                learned=model is not None,
                distance_scale_km=scale,
            )
        )
    return Result(
        ranked=ranked,
        allocated=allocated,
        pairs=len(candidates),
        objective=allocation.objective,
        bound=bound,
        floor_proven=floor_proven,
        floor_upper=floor_upper,
        bundles=bundles,
        fairness=fairness_report(
            needs,
            providers,
            category_ids=instance.category_ids,
            candidate_counts=candidates.counts(),
            allocated=allocation.provider,
            value=allocation.value,
            baseline=baseline.provider,
            baseline_value=baseline.value,
            servable=int(servable),
        ),
    )


def merge_bundles(figures: list[dict]) -> dict:
    """The bundling figures of a run split by county: the counties' summed (the strength is
    the run's)."""
    figures = [entry for entry in figures if entry]
    if not figures:
        return {}
    summed = (
        "objective",
        "plain_objective",
        "households",
        "single_provider",
        "plain_households",
        "plain_single_provider",
        "moved",
    )
    return {
        **{key: sum(entry[key] for entry in figures) for key in summed},
        "strength": figures[0]["strength"],
    }


def merge_floors(parts) -> dict:
    """``floor_proven`` and ``floor_upper`` of a run split by county from its parts' (runs):
    proven when every county's floor is; otherwise bounded by the sum of each county's most
    (its floor when proven, its bound when not)."""
    proven = [part.floor_proven for part in parts]
    if None in proven or all(proven):
        return {"floor_proven": None if None in proven else True, "floor_upper": None}
    upper = sum(
        (part.fairness.get("protected") or {}).get("servable", 0)
        if part.floor_proven
        else part.floor_upper or 0
        for part in parts
    )
    return {"floor_proven": False, "floor_upper": upper}
