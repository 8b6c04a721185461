"""Top-k providers for every open need at once, and for one need on demand.

All needs are ranked by one sort of packed int64 keys (need, score descending, position), which
numpy's integer sort does in a fraction of the time an argsort or a loop over needs would take.
Exact ties on the score go to the provider listed first, so a ranking never depends on the
order in which the pairs were found, and one need ranked alone comes out as in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.candidates import Candidates
from matching.scoring import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
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
    n_pairs = score.shape[0]
    if n_pairs == 0:
        return ranked_ptr, np.zeros(0, dtype=np.int64)
    # A non-negative float32's bit pattern orders like its value: the key keeps the exact
    # score, best first, and ties go to the lower offset (the provider listed first).
    score = np.ascontiguousarray(score, dtype=np.float32)
    if np.any(~(score >= 0)):
        raise ValueError("scores must be non-negative numbers")
    need_bits = max(int(n - 1).bit_length(), 1)
    offset_bits = max(int(counts.max() - 1).bit_length(), 1)
    # Two int64 buffers in all: a ranking of millions of pairs must not churn memory.
    scratch = np.arange(n_pairs, dtype=np.int64)
    scratch -= np.repeat(ptr[:-1], counts)
    if need_bits + SCORE_BITS + offset_bits <= 63:
        keys = np.repeat(np.arange(n, dtype=np.int64) << (SCORE_BITS + offset_bits), counts)
        keys |= scratch
        np.subtract(np.int64(0x7FFFFFFF), score.view(np.int32), out=scratch)
        scratch <<= offset_bits
        keys |= scratch
        del scratch
        keys.sort()
        keys &= (1 << offset_bits) - 1
        sorted_offset = keys
    else:
        inverse = np.int64(0x7FFFFFFF) - score.view(np.int32)
        owner = np.repeat(np.arange(n, dtype=np.int64), counts)
        sorted_offset = scratch[np.lexsort((scratch, inverse, owner))]
    # Sorted keys keep the CSR layout: need i's pairs still start at ptr[i].
    start = np.repeat(ptr[:-1], kept)
    rank = np.arange(ranked_ptr[-1], dtype=np.int64)
    rank -= np.repeat(ranked_ptr[:-1], kept)
    rank += start
    return ranked_ptr, start + sorted_offset[rank]


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
        {name: values[pairs] for name, values in scored.components.items()},
        scored.weights,
    )


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
