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
availability   when the household asked for times: the share of them the provider is free
               at; otherwise how much of the week the provider is free, full from
               ``availability_full_slots`` slots (a provider with no recorded times is free
               any time). Being free at one of the times asked is a hard constraint: this
               only orders those who are.
=============  ===========================================================================

``score = Σ weight_k × component_k / Σ weight_k``, so the score lies in [0, 1] whatever the
weights, and every component is kept so the interface can say why a provider ranks where it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from matching.candidates import Candidates
from matching.features import PAIR_CHUNK, UNRATED_QUALITY, pair_columns
from matching.success import SuccessModel
from matching.types import ALL_TIMES, Needs, Providers

COMPONENTS = ("distance", "skill", "quality", "continuity", "headroom", "success", "availability")
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
    availability: float = 1.0
    distance_scale_km: float = 5.0
    # Free in this many slots of the week (e.g. every weekday afternoon and a Saturday
    # morning) is free enough for the visit or two a week a case needs.
    availability_full_slots: int = 6

    def __post_init__(self):
        values = self.vector()
        if np.any(~np.isfinite(values)) or np.any(values < 0) or values.sum() <= 0:
            raise ValueError("score weights must be non-negative and not all zero")
        if not self.distance_scale_km > 0:
            raise ValueError("distance_scale_km must be positive")
        if not self.availability_full_slots >= 1:
            raise ValueError("availability_full_slots must be at least 1")

    def vector(self) -> np.ndarray:
        """The weights in the order of :data:`COMPONENTS`, shape (7,)."""
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
    components : mapping of str to ndarray of shape (n_pairs,), float32
        The unweighted value of each of :data:`COMPONENTS` (a :class:`PairComponents` when
        scored here: ``components.take(pairs)`` gives a few pairs' without whole arrays).
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
    components : PairComponents
        Mapping of str to ndarray of shape (p,), float32.
    """
    need, provider = np.asarray(need), np.asarray(provider)
    p = need.shape[0]
    pair = pair_columns(needs, providers, need, provider, distance_km)
    if success_model is None:
        success = None
    else:
        success = success_model.success(
            needs, providers, need, provider, distance_km, pair_side=pair
        )
    components = PairComponents(needs, providers, need, provider, pair, success, weights)
    w = weights.vector() / weights.vector().sum()
    score = np.zeros(p, dtype=np.float32)
    term = np.empty(min(p, PAIR_CHUNK), dtype=np.float32)
    for start in range(0, p, PAIR_CHUNK):  # chunks: the term buffer stays in cache
        rows = slice(start, min(start + PAIR_CHUNK, p))
        part, scratch = score[rows], term[: rows.stop - start]
        for name, share in zip(COMPONENTS, w, strict=True):
            if share:
                np.multiply(components.at(name, rows), np.float32(share), out=scratch)
                part += scratch
        np.minimum(part, np.float32(1.0), out=part)
    return score, components


class PairComponents(Mapping):
    """The score components of pairs, as a read-only mapping of name to array of shape (p,).

    Skill, continuity and success are kept (the success model needed the first two anyway);
    distance, quality, headroom and availability are made again from the pairs' distances and
    the providers' values, chunk by chunk for the score, for just the ranked pairs by
    :meth:`take`, and as whole arrays only when asked for by name (then kept). A province's
    9.5 million pairs so spare four float32 arrays: 150 MB of fresh memory, which costs more
    CPU than the arithmetic.
    """

    _ORDER = ("distance", "skill", "quality", "continuity", "headroom", "availability", "success")

    def __init__(self, needs, providers, need, provider, pair, success, weights):
        self._needs, self._providers = needs, providers
        self._need, self._provider = need, provider
        self._distance_km = pair["distance_km"]
        self._weights = weights
        self._kept = {"skill": pair["skill"], "continuity": pair["continuity"]}
        if success is not None:
            self._kept["success"] = success
        quality = providers.quality.astype(np.float32)
        quality[np.isnan(quality)] = UNRATED_QUALITY
        total = providers.capacity_total
        headroom = np.where(total > 0, providers.capacity / np.maximum(total, 1), 0.0)
        self._per_provider = {"quality": quality, "headroom": headroom.astype(np.float32)}

    def at(self, name: str, rows) -> np.ndarray:
        """The component ``name`` of the pairs ``rows`` (a slice or an array of pair indices)."""
        kept = self._kept.get(name)
        if kept is not None:
            return kept[rows]
        if name in self._per_provider:
            return self._per_provider[name][self._provider[rows]]
        if name == "distance":
            distance = self._distance_km[rows] * np.float32(-1.0 / self._weights.distance_scale_km)
            return np.exp(distance, out=distance)
        if name == "availability":
            return _availability_of_pairs(
                self._needs,
                self._providers,
                self._need[rows],
                self._provider[rows],
                self._weights.availability_full_slots,
            )
        if name == "success":
            return np.full(np.shape(self._need[rows])[0], UNKNOWN_SUCCESS, dtype=np.float32)
        raise KeyError(name)

    def take(self, pairs) -> dict:
        """Every component of the pairs at the indices ``pairs``, as a dict of arrays."""
        return {name: self.at(name, pairs) for name in self._ORDER}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._kept:
            self._kept[name] = self.at(name, slice(None))
        return self._kept[name]

    def __iter__(self):
        return iter(self._ORDER)

    def __len__(self) -> int:
        return len(self._ORDER)


def availability(wanted, free, full_slots: int) -> np.ndarray:
    """The availability component of pairs.

    Parameters
    ----------
    wanted : ndarray of shape (p,), int
        The needs' ``times`` (0: no preference).
    free : ndarray of shape (p,), int
        The providers' ``times`` (0: any time).
    full_slots : int
        Free slots that count as fully available when the need has no preference.

    Returns
    -------
    ndarray of shape (p,), float32, in [0, 1]
    """
    wanted = np.asarray(wanted, dtype=np.int32)
    free = np.where(np.asarray(free) == 0, ALL_TIMES, free).astype(np.int32)
    asked = np.bitwise_count(wanted)
    covered = np.bitwise_count(wanted & free) / np.maximum(asked, 1)
    breadth = np.minimum(np.bitwise_count(free) / full_slots, 1.0)
    return np.where(asked > 0, covered, breadth).astype(np.float32)


def _availability_of_pairs(needs, providers, need, provider, full_slots) -> np.ndarray:
    """:func:`availability` of pairs, the providers' part worked out once per provider for a
    batch: only the pairs of needs that asked for times are computed pair by pair."""
    if need.shape[0] < len(providers):
        return availability(needs.times[need], providers.times[provider], full_slots)
    breadth = availability(np.zeros(len(providers), dtype=np.int32), providers.times, full_slots)
    values = breadth[provider]
    asks = needs.times != 0
    for start in range(0, need.shape[0], PAIR_CHUNK):
        asking = np.flatnonzero(asks[need[start : start + PAIR_CHUNK]])
        if asking.size:
            asking += start
            i, j = need[asking], provider[asking]
            values[asking] = availability(needs.times[i], providers.times[j], full_slots)
    return values


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
