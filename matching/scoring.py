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
from matching.features import PAIR_CHUNK, UNRATED_QUALITY, current_positions, pair_columns
from matching.success import PairSuccess, SuccessModel
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
    components = PairComponents(
        needs, providers, need, provider, distance_km, weights, success_model
    )
    w = weights.vector() / weights.vector().sum()
    score = np.zeros(p, dtype=np.float32)
    term = np.empty(min(p, PAIR_CHUNK), dtype=np.float32)
    used = tuple(name for name, share in zip(COMPONENTS, w, strict=True) if share)
    for start in range(0, p, PAIR_CHUNK):  # chunks: the term buffer stays in cache
        rows = slice(start, min(start + PAIR_CHUNK, p))
        part, scratch = score[rows], term[: rows.stop - start]
        values = components.of(rows, used)
        for name, share in zip(COMPONENTS, w, strict=True):
            if share:
                np.multiply(values[name], np.float32(share), out=scratch)
                part += scratch
        np.minimum(part, np.float32(1.0), out=part)
    return score, components


class PairComponents(Mapping):
    """The score components of pairs, as a read-only mapping of name to array of shape (p,).

    No component is kept for the score: each is made again from the pairs' positions and
    distances and the needs' and providers' values, chunk by chunk for the score, for just the
    ranked pairs by :meth:`take`, and as a whole array only when asked for by name (then
    kept). A province's 9.5 million pairs so spare seven float32 arrays: 260 MB of fresh
    memory, which costs more CPU than the arithmetic.
    """

    _ORDER = ("distance", "skill", "quality", "continuity", "headroom", "availability", "success")

    def __init__(self, needs, providers, need, provider, distance_km, weights, success_model):
        self._needs, self._providers = needs, providers
        self._need, self._provider = need, provider
        self._distance_km = np.asarray(distance_km, dtype=np.float32)
        self._weights = weights
        self._success = (
            None
            if success_model is None
            else PairSuccess(success_model, needs, providers, need.shape[0])
        )
        self._kept = {}
        # Worked out once for the chunks of a batch (pair_columns would for each).
        self._current = current_positions(needs, providers) if len(need) >= len(needs) else None
        quality = providers.quality.astype(np.float32)
        quality[np.isnan(quality)] = UNRATED_QUALITY
        total = providers.capacity_total
        headroom = np.where(total > 0, providers.capacity / np.maximum(total, 1), 0.0)
        self._per_provider = {"quality": quality, "headroom": headroom.astype(np.float32)}
        none = np.zeros(len(providers), dtype=np.int32)
        self._breadth = availability(none, providers.times, weights.availability_full_slots)

    def of(self, rows, names=_ORDER) -> dict:
        """The components ``names`` of the pairs ``rows`` (a slice or an array of pair
        indices), as a dict of arrays; the pairs' positions are gathered once for all."""
        need, provider = self._need[rows], self._provider[rows]
        distance_km = self._distance_km[rows]
        values = {}
        if {"skill", "continuity", "success"} & set(names):
            pair = pair_columns(
                self._needs, self._providers, need, provider, distance_km, current=self._current
            )
            values.update(skill=pair["skill"], continuity=pair["continuity"])
        for name in names:
            if name in self._per_provider:
                values[name] = self._per_provider[name][provider]
            elif name == "distance":
                scaled = distance_km * np.float32(-1.0 / self._weights.distance_scale_km)
                values[name] = np.exp(scaled, out=scaled)
            elif name == "availability":
                values[name] = _availability_of_pairs(
                    self._needs,
                    self._providers,
                    need,
                    provider,
                    self._weights.availability_full_slots,
                    self._breadth,
                )
            elif name == "success":
                values[name] = (
                    np.full(need.shape[0], UNKNOWN_SUCCESS, dtype=np.float32)
                    if self._success is None
                    else self._success(need, provider, pair)
                )
            elif name not in values:
                raise KeyError(name)
        return {name: values[name] for name in names}

    def at(self, name: str, rows) -> np.ndarray:
        """The component ``name`` of the pairs ``rows`` (a slice or an array of pair indices)."""
        kept = self._kept.get(name)
        if kept is not None:
            return kept[rows]
        return self.of(rows, (name,))[name]

    def take(self, pairs) -> dict:
        """Every component of the pairs at the indices ``pairs``, as a dict of arrays."""
        pairs = np.asarray(pairs)
        n = pairs.shape[0]
        taken = {name: np.empty(n, dtype=np.float32) for name in self._ORDER}
        for start in range(0, n, PAIR_CHUNK):  # chunks: the temporaries are reused
            part = slice(start, min(start + PAIR_CHUNK, n))
            for name, values in self.of(pairs[part]).items():
                taken[name][part] = values
        return taken

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


def _availability_of_pairs(needs, providers, need, provider, full_slots, breadth) -> np.ndarray:
    """:func:`availability` of pairs, the providers' part (``breadth``, each provider's
    availability for needs with no preference) worked out once: for a batch only the pairs of
    needs that asked for times are computed pair by pair."""
    if need.shape[0] < len(providers):
        return availability(needs.times[need], providers.times[provider], full_slots)
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
