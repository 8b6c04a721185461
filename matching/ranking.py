"""Top-k providers for every open need at once, and for one need on demand.

Needs are ranked block by block (about 260,000 pairs each), by one sort of packed int64 keys
(need, score descending, position) per block, which numpy's integer sort does in a fraction of
the time an argsort or a loop over needs would take.
Exact ties on the score go to the provider listed first, so a ranking never depends on the
order in which the pairs were found, and one need ranked alone comes out as in the batch.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from matching.candidates import Candidates
from matching.scoring import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    PairComponents,
    ScoredCandidates,
    ScoreWeights,
    score_pairs,
)
from matching.success import SuccessModel
from matching.types import KINDS, Needs, Providers

SCORE_BITS = 31


@dataclass(frozen=True, eq=False)
class Ranking:
    """The best candidates of each need, best first: need ``i`` has ``ptr[i]:ptr[i + 1]``.

    Attributes
    ----------
    ptr : ndarray of shape (n_needs + 1,), int64
    pair : ndarray of shape (r,), int64
        Index of each ranked pair in the scored candidates it came from.
    provider : ndarray of shape (r,), int32
    score : ndarray of shape (r,), float32
    distance_km : ndarray of shape (r,), float32
    components : dict of str to ndarray of shape (r,), float32
    weights : ScoreWeights
    """

    ptr: np.ndarray
    pair: np.ndarray
    provider: np.ndarray
    score: np.ndarray
    distance_km: np.ndarray
    components: dict
    weights: ScoreWeights

    @property
    def n_needs(self) -> int:
        return self.ptr.shape[0] - 1

    def __len__(self) -> int:
        return self.pair.shape[0]

    def explain(self, i: int, providers: Providers) -> list[dict]:
        """Need ``i``'s ranked providers with each component's value and share of the score.

        ``contribution`` values add up to ``score``.
        """
        w = self.weights.vector()
        w = w / w.sum()
        rows = []
        for rank, r in enumerate(range(self.ptr[i], self.ptr[i + 1]), start=1):
            j = int(self.provider[r])
            rows.append(
                {
                    "rank": rank,
                    "provider": j,
                    "provider_id": int(providers.id[j]),
                    "provider_kind": KINDS[providers.kind[j]],
                    "score": float(self.score[r]),
                    "distance_km": float(self.distance_km[r]),
                    "components": {
                        name: {
                            "value": float(self.components[name][r]),
                            "weight": float(w[k]),
                            "contribution": float(w[k] * self.components[name][r]),
                        }
                        for k, name in enumerate(COMPONENTS)
                    },
                }
            )
        return rows


# Needs are ranked in blocks of about this many pairs: the keys of a block stay in cache and
# its temporaries are reused, where province-sized ones would each cost fresh memory.
_BLOCK = 1 << 18


def top_k_pairs(ptr: np.ndarray, score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the ``k`` best-scored pairs of every need, best first.

    Parameters
    ----------
    ptr : ndarray of shape (n + 1,), int64
        CSR pointer of the pairs by need.
    score : ndarray of shape (n_pairs,), float32
        Values in [0, 1].
    k : int

    Returns
    -------
    ranked_ptr : ndarray of shape (n + 1,), int64
    pairs : ndarray of shape (r,), int64
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    n = ptr.shape[0] - 1
    counts = np.diff(ptr)
    kept = np.minimum(counts, k)
    ranked_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(kept, out=ranked_ptr[1:])
    pairs = np.empty(ranked_ptr[-1], dtype=np.int64)
    if score.shape[0] == 0:
        return ranked_ptr, pairs
    score = np.ascontiguousarray(score, dtype=np.float32)
    if np.any(~(score >= 0)):
        raise ValueError("scores must be non-negative numbers")
    offset_bits = max(int(counts.max() - 1).bit_length(), 1)
    cuts = np.searchsorted(ptr, np.arange(ptr[0], ptr[-1], _BLOCK), side="right") - 1
    for a, b in itertools.pairwise(np.unique(np.r_[0, cuts, n])):
        block = _top_k_block(ptr[a : b + 1], counts[a:b], kept[a:b], score, offset_bits)
        pairs[ranked_ptr[a] : ranked_ptr[b]] = block
    return ranked_ptr, pairs


def _top_k_block(ptr, counts, kept, score, offset_bits) -> np.ndarray:
    """:func:`top_k_pairs` for the needs of one block, whose pairs are ``ptr[0]:ptr[-1]``."""
    n = counts.shape[0]
    first = ptr[0]
    start = ptr[:-1] - first
    need_bits = max(int(n - 1).bit_length(), 1)
    # A non-negative float32's bit pattern orders like its value: the key keeps the exact
    # score, best first, and ties go to the lower offset (the provider listed first).
    offset = np.arange(ptr[-1] - first, dtype=np.int64)
    offset -= np.repeat(start, counts)
    inverse = np.int64(0x7FFFFFFF) - score[first : ptr[-1]].view(np.int32)
    if need_bits + SCORE_BITS + offset_bits <= 63:
        keys = np.repeat(np.arange(n, dtype=np.int64) << (SCORE_BITS + offset_bits), counts)
        keys |= offset
        inverse <<= offset_bits
        keys |= inverse
        keys.sort()
        keys &= (1 << offset_bits) - 1
        sorted_offset = keys
    else:
        owner = np.repeat(np.arange(n, dtype=np.int64), counts)
        sorted_offset = offset[np.lexsort((offset, inverse, owner))]
    # Sorted keys keep the CSR layout: need i's pairs still start at start[i].
    ranked_start = np.cumsum(kept) - kept
    rank = np.arange(int(kept.sum()), dtype=np.int64)
    at = np.repeat(start, kept)
    rank += at
    rank -= np.repeat(ranked_start, kept)
    at += first
    at += sorted_offset[rank]
    return at


def rank_candidates(scored: ScoredCandidates, k: int = 10) -> Ranking:
    """The top ``k`` candidates of every need.

    Parameters
    ----------
    scored : ScoredCandidates
    k : int

    Returns
    -------
    Ranking
    """
    cand = scored.candidates
    ranked_ptr, pairs = top_k_pairs(cand.ptr, scored.score, k)
    return Ranking(
        ranked_ptr,
        pairs,
        cand.provider[pairs],
        scored.score[pairs],
        cand.distance_km[pairs],
        _components_of(scored.components, pairs),
        scored.weights,
    )


def _components_of(components, pairs) -> dict:
    if isinstance(components, PairComponents):
        return components.take(pairs)
    return {name: values[pairs] for name, values in components.items()}


def rank_one(
    needs: Needs,
    providers: Providers,
    candidates: Candidates,
    *,
    k: int = 10,
    weights: ScoreWeights | None = None,
    success_model: SuccessModel | None = None,
) -> Ranking:
    """Score and rank the candidates of a few needs (typically one, from a CandidateIndex).

    Same result as scoring and ranking them in a batch, without touching other pairs.
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
    return rank_candidates(ScoredCandidates(candidates, score, components, weights), k)
