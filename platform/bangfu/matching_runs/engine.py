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
from matching.allocation import allocate as allocate_flow
from matching.budget import allocate_with_budget
from matching.candidates import generate_candidates
from matching.ranking import rank_candidates
from matching.scoring import COMPONENTS, ScoreWeights, score_candidates
from matching.success import SuccessModel, is_compatible

# How the engine's component names read to staff: the words.
COMPONENT_LABELS = {
    "distance": "distance",
    "skill": "skills",
    "quality": "quality",
    "continuity": "continuity",
    "headroom": "capacity",
    "success": "success",
    "availability": "availability",
}


@dataclass(frozen=True)
class Row:
    need_id: int
    rank: int
    kind: str
    provider_id: int
    score: float
    components: dict[str, float]
    distance_km: float | None
    priority: Decimal


@dataclass(frozen=True)
class Result:
    ranked: list[Row]
    allocated: list[Row]
    pairs: int
    objective: float | None
    bound: float | None = None


SUCCESS_MODELS = ModelStore("success", compatible=is_compatible)


def success_model() -> SuccessModel | None:
    """The newest trained version; None before any training."""
    loaded = SUCCESS_MODELS.latest()
    return None if loaded is None else loaded[0]


def _row(instance: Instance, i: int, rank: int, provider: int, score, components, distance):
    kind, pk = kind_and_pk(int(instance.providers.id[provider]))
    return Row(
        need_id=int(instance.needs.id[i]),
        rank=rank,
        kind=kind,
        provider_id=pk,
        score=round(float(score), 4),
        components={
            COMPONENT_LABELS[name]: round(float(components[name]), 4) for name in COMPONENTS
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
    scored = score_candidates(
        needs, providers, candidates, weights=weights, success_model=success_model()
    )
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
            )
        )
    if not allocate:
        return Result(ranked=ranked, allocated=[], pairs=len(candidates), objective=None)
    bound = None
    if len(instance.budgets) and np.any(providers.pool >= 0):
        # Procured projects are paid per case: stay within what each project has left.
        budgeted = allocate_with_budget(needs, providers, scored, instance.budgets)
        allocation, bound = budgeted.allocation, budgeted.bound
    else:
        allocation = allocate_flow(needs, providers, scored)
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
            )
        )
    return Result(
        ranked=ranked,
        allocated=allocated,
        pairs=len(candidates),
        objective=allocation.objective,
        bound=bound,
    )
