"""Runs the pure engine (``matching``) on an adapter instance and returns plain rows.

Candidates → scores → top-k ranking → (optionally) the exact allocation that serves the
protected tier first, within the budget left in each procured project when projects take part
(then with the bound it is measured against). The learned success model is the newest version in
``SUCCESS_MODELS`` when one was trained (``manage.py train_success_model``); without one every
pair gets the same success component, which leaves the order to the other components.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from bangfu.core.model_store import ModelStore
from bangfu.matching_runs.adapter import Instance, kind_and_pk
from bangfu.matching_runs.fairness import fairness_report
from matching.allocation import allocate as allocate_flow
from matching.allocation import allocate_fcfs, protected_servable
from matching.budget import allocate_with_budget
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


def _row(
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
):
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


def solve(
    instance: Instance,
    *,
    top_k: int = 10,
    allocate: bool = False,
    weights: ScoreWeights | None = None,
) -> Result:
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
            _row(
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
    bound = None
    if len(instance.budgets) and np.any(providers.pool >= 0):
        # Procured projects are paid per case: stay within what each project has left.
        budgeted = allocate_with_budget(needs, providers, scored, instance.budgets)
        allocation, bound, servable = budgeted.allocation, budgeted.bound, budgeted.floor
    else:
        allocation = allocate_flow(needs, providers, scored)
        servable = allocation.protected_servable
    if servable is None:
        servable = protected_servable(needs, providers, candidates)
    baseline = allocate_fcfs(needs, providers, scored)
    allocated = []
    for i in np.flatnonzero(allocation.provider >= 0):
        pair = int(allocation.pair[i])
        allocated.append(
            _row(
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
