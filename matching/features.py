"""Features of a (need, provider) pair for the success model, in the order of :data:`FEATURES`.

Most features belong to the need alone (:func:`need_columns`) or to the provider alone
(:func:`provider_columns`); three belong to the pair (:func:`pair_columns`), which the score
uses too. :func:`pair_features` assembles them into the model's input matrix.
"""

from __future__ import annotations

import numpy as np

from matching.types import Needs, Providers

FEATURES = (
    "distance_km",
    "skill",
    "quality",
    "quality_known",
    "load",
    "past_rate",
    "past_referrals_log",
    "continuity",
    "severity",
    "urgency",
    "waiting_weeks",
    "protected",
    "category",
    "kind",
    "tier",
)
CATEGORICAL = tuple(FEATURES.index(name) for name in ("category", "kind", "tier"))
UNRATED_QUALITY = 0.6


PAIR_SIDE = ("distance_km", "skill", "continuity")  # the columns of ``pair_columns``


def need_columns(needs: Needs, rows) -> dict:
    """Features that depend on the need alone, for the needs at ``rows``, float32."""
    return {
        "severity": needs.severity[rows].astype(np.float32),
        "urgency": needs.urgency[rows].astype(np.float32),
        "waiting_weeks": np.minimum(needs.waiting_days[rows] / 7.0, 52.0).astype(np.float32),
        "protected": needs.protected[rows].astype(np.float32),
        "category": needs.category[rows].astype(np.float32),
        "tier": needs.tier[rows].astype(np.float32),
    }


def provider_columns(providers: Providers, rows) -> dict:
    """Features that depend on the provider alone, for the providers at ``rows``, float32."""
    quality = providers.quality[rows]
    known = ~np.isnan(quality)
    total = providers.capacity_total[rows]
    referrals = providers.past_referrals[rows]
    return {
        "quality": np.where(known, quality, UNRATED_QUALITY).astype(np.float32),
        "quality_known": known.astype(np.float32),
        "load": np.where(
            total > 0, 1.0 - providers.capacity[rows] / np.maximum(total, 1), 1.0
        ).astype(np.float32),
        "past_rate": ((providers.past_completed[rows] + 1.0) / (referrals + 2.0)).astype(
            np.float32
        ),
        "past_referrals_log": np.log1p(referrals).astype(np.float32),
        "kind": providers.kind[rows].astype(np.float32),
    }


# Pairs are gathered in chunks of this many: the index temporaries stay in cache and are
# reused, where batch-sized ones would each cost fresh memory.
PAIR_CHUNK = 1 << 18


def current_positions(needs, providers) -> np.ndarray:
    """Position of each need's current provider (-1 for none), shape (n,), int32."""
    return providers.positions(needs.current_provider).astype(np.int32)


def pair_columns(needs, providers, need, provider, distance_km, *, current=None) -> dict:
    """Features of the pair itself, each of shape (p,), float32; the score uses them too.

    ``current``: :func:`current_positions` of the needs, when the caller has them.
    """
    need, provider = np.asarray(need), np.asarray(provider)
    p = need.shape[0]
    n_cat = providers.n_categories
    wide = len(providers) * n_cat >= 2**31
    flat = providers.skill.reshape(-1)
    skill = np.empty(p, dtype=flat.dtype)
    continuity = np.empty(p, dtype=np.float32)
    # Compare positions (int32) rather than keys (int64) when pairs outnumber needs.
    if current is None and p >= len(needs):
        current = current_positions(needs, providers)
    for start in range(0, p, PAIR_CHUNK):
        rows = slice(start, min(start + PAIR_CHUNK, p))
        at = provider[rows].astype(np.int64 if wide else np.int32)
        at *= n_cat
        at += needs.category[need[rows]]
        np.take(flat, at, out=skill[rows])
        if current is None:
            continuity[rows] = needs.current_provider[need[rows]] == providers.id[provider[rows]]
        else:
            continuity[rows] = current[need[rows]] == provider[rows]
    return {
        "distance_km": np.asarray(distance_km, dtype=np.float32),
        "skill": skill,
        "continuity": continuity,
    }


def pair_features(needs: Needs, providers: Providers, need, provider, distance_km) -> np.ndarray:
    """Features of candidate pairs, in the order of :data:`FEATURES`.

    Parameters
    ----------
    needs : Needs
    providers : Providers
    need, provider : ndarray of shape (p,), int
        Positions of the pairs.
    distance_km : ndarray of shape (p,)

    Returns
    -------
    ndarray of shape (p, len(FEATURES)), float32
    """
    need, provider = np.asarray(need), np.asarray(provider)
    X = np.empty((need.shape[0], len(FEATURES)), dtype=np.float32, order="F")
    for name, values in need_columns(needs, need).items():
        X[:, FEATURES.index(name)] = values
    for name, values in provider_columns(providers, provider).items():
        X[:, FEATURES.index(name)] = values
    for name, values in pair_columns(needs, providers, need, provider, distance_km).items():
        X[:, FEATURES.index(name)] = values
    return X
