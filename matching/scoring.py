"""How good a candidate is: a weighted mean of named components, each in [0, 1].

=============  ===========================================================================
component      value for a pair (need i, provider j)
=============  ===========================================================================
distance       ``exp(-distance_km / distance_scale_km)``: nearer is better
skill          the provider's skill in the need's category
quality        the provider's rating (0–5 scaled to 0–1); unrated providers get 0.6
continuity     1 when the provider already serves the household (一户一条救助链), else 0
headroom       remaining capacity / total capacity: spread the load
success        learned chance that the referral is accepted and completed
=============  ===========================================================================

``score = Σ weight_k × component_k / Σ weight_k``, so the score lies in [0, 1] whatever the
weights, and every component is kept so the interface can say why a provider ranks where it does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from matching.candidates import Candidates
from matching.success import UNRATED_QUALITY, SuccessModel, pair_columns
from matching.types import Needs, Providers

COMPONENTS = ("distance", "skill", "quality", "continuity", "headroom", "success")
UNKNOWN_SUCCESS = 0.7


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the score components (any non-negative numbers, not all zero)."""

    distance: float = 3.0
    skill: float = 2.0
    quality: float = 1.0
    continuity: float = 1.5
    headroom: float = 0.5
    success: float = 2.0
    distance_scale_km: float = 5.0

    def __post_init__(self):
        values = self.vector()
        if np.any(~np.isfinite(values)) or np.any(values < 0) or values.sum() <= 0:
            raise ValueError("score weights must be non-negative and not all zero")
        if not self.distance_scale_km > 0:
            raise ValueError("distance_scale_km must be positive")

    def vector(self) -> np.ndarray:
        """The weights in the order of :data:`COMPONENTS`, shape (6,)."""
        return np.array([getattr(self, name) for name in COMPONENTS], dtype=np.float64)

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_WEIGHTS = ScoreWeights()


@dataclass(frozen=True, eq=False)
class ScoredCandidates:
    """Candidates with their score and its components.

    Attributes
    ----------
    candidates : Candidates
    score : ndarray of shape (n_pairs,), float32, in [0, 1]
    components : dict of str to ndarray of shape (n_pairs,), float32
        The unweighted value of each of :data:`COMPONENTS`.
    weights : ScoreWeights
    """

    candidates: Candidates
    score: np.ndarray
    components: dict
    weights: ScoreWeights

    def __len__(self) -> int:
        return self.score.shape[0]


def score_pairs(
    needs: Needs,
    providers: Providers,
    need,
    provider,
    distance_km,
    *,
    weights: ScoreWeights,
    success_model: SuccessModel | None = None,
):
    """Score and components of arbitrary pairs.

    Parameters
    ----------
    needs, providers : Needs, Providers
    need, provider : ndarray of shape (p,), int
    distance_km : ndarray of shape (p,)
    weights : ScoreWeights
    success_model : fitted SuccessModel or None
        None gives every pair the same success component (no effect on the order).

    Returns
    -------
    score : ndarray of shape (p,), float32
    components : dict of str to ndarray of shape (p,), float32
    """
    need, provider = np.asarray(need), np.asarray(provider)
    p = need.shape[0]
    pair = pair_columns(needs, providers, need, provider, distance_km)
    if p >= len(providers):  # per provider once, then gathered
        rows, gather = slice(None), provider
    else:  # straight on the pairs
        rows, gather = provider, slice(None)
    quality = providers.quality[rows].astype(np.float32)
    quality[np.isnan(quality)] = UNRATED_QUALITY
    total = providers.capacity_total[rows]
    headroom = np.where(total > 0, providers.capacity[rows] / np.maximum(total, 1), 0.0)
    distance = pair["distance_km"] * np.float32(-1.0 / weights.distance_scale_km)
    np.exp(distance, out=distance)
    components = {
        "distance": distance,
        "skill": pair["skill"],
        "quality": quality[gather],
        "continuity": pair["continuity"],
        "headroom": headroom.astype(np.float32)[gather],
    }
    if success_model is None:
        components["success"] = np.full(p, UNKNOWN_SUCCESS, dtype=np.float32)
    else:
        components["success"] = success_model.success(
            needs, providers, need, provider, distance_km, pair_side=pair
        )
    w = weights.vector() / weights.vector().sum()
    score = np.zeros(p, dtype=np.float32)
    term = np.empty(p, dtype=np.float32)
    for name, share in zip(COMPONENTS, w, strict=True):
        if share:
            np.multiply(components[name], np.float32(share), out=term)
            score += term
    np.minimum(score, np.float32(1.0), out=score)
    return score, components


def score_candidates(
    needs: Needs,
    providers: Providers,
    candidates: Candidates,
    *,
    weights: ScoreWeights | None = None,
    success_model: SuccessModel | None = None,
) -> ScoredCandidates:
    """Score every candidate pair.

    Parameters
    ----------
    needs, providers : Needs, Providers
    candidates : Candidates
        From :func:`matching.candidates.generate_candidates` on the same needs and providers.
    weights : ScoreWeights, default ScoreWeights()
    success_model : fitted SuccessModel or None

    Returns
    -------
    ScoredCandidates
    """
    weights = weights or DEFAULT_WEIGHTS
    score, components = score_pairs(
        needs,
        providers,
        candidates.need,
        candidates.provider,
        candidates.distance_km,
        weights=weights,
        success_model=success_model,
    )
    return ScoredCandidates(candidates, score, components, weights)
