"""Synthetic counties and provinces for the benchmark and the tests, deterministic by seed.

Geography is clustered: each county is a box of about 66 × 66 km holding about a hundred
township centres of lognormal size (the county seat five times larger), each with a handful of
villages; households sit around their village. Providers follow the mix a county actually has:
one social-work station per township serving its own township (sometimes a neighbour too),
volunteers living in the villages with a travel radius of a few km, charity offers and
procured projects run from the county seat for the whole county, with eligibility filters
(tier, age, disability) on offers and unit costs paid from budget pools on projects.

Priorities follow the registry's default ``priority_weights`` (tier, vulnerabilities, severity,
urgency, waiting weeks), so the top tier (特困, orphans, severely disabled) ranks first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.candidates import generate_candidates
from matching.features import FEATURES, pair_features
from matching.synthetic.county import (
    CATEGORIES,
    SIZES,
    Size,
    add_relations,
    geography,
    make_needs,
)
from matching.synthetic.providers import make_budgets, make_providers
from matching.types import Needs, Providers

__all__ = ["CATEGORIES", "SIZES", "Instance", "Size", "make_instance", "make_outcomes"]


@dataclass(frozen=True, eq=False)
class Instance:
    """A synthetic matching instance.

    Attributes
    ----------
    needs : Needs
    providers : Providers
    budgets : ndarray of shape (n_pools,), int64
        Remaining budget of each pool in fen.
    need_county, provider_county : ndarray of shape (n,) and (m,), int32
        County number of each need and provider (offers and projects belong to their
        county; stations and volunteers to where they are), for runs split by county.
    categories : tuple of (code, name)
    """

    needs: Needs
    providers: Providers
    budgets: np.ndarray
    need_county: np.ndarray
    provider_county: np.ndarray
    categories: tuple = CATEGORIES


def make_instance(size: str | Size = "small", random_state: int = 0) -> Instance:
    """Generate a synthetic instance.

    Parameters
    ----------
    size : {"small", "county", "province"} or Size
    random_state : int
        The seed: the same seed gives the same instance, array for array.

    Returns
    -------
    Instance
    """
    if isinstance(size, str):
        size = SIZES[size]
    rng = np.random.default_rng(random_state)
    geo = geography(size, rng)
    needs, household_township = make_needs(size, geo, rng)
    providers, provider_county, station_of_township = make_providers(size, geo, rng)
    needs = add_relations(needs, providers, household_township, station_of_township, rng)
    budgets = make_budgets(size, providers, rng)
    need_county = (household_township // size.townships_per_county).astype(np.int32)
    return Instance(needs, providers, budgets, need_county, provider_county)


_KIND_EFFECT = np.array([0.3, -0.2, 0.5, 0.2])
# The truth is one and the same for every instance: its category effects have a fixed seed.
_TRUTH_SEED = 12345


def make_outcomes(instance: Instance, n: int, random_state: int = 0):
    """Closed referrals of random candidate pairs, with outcomes drawn from a known truth.

    The truth favours short distances, skilled, well-rated and not overloaded providers, past
    success and continuity, and differs by provider kind and category, so a model has a real
    signal to learn (and unrated providers hide part of it).

    Returns
    -------
    X : ndarray of shape (n, len(FEATURES)), float32
    y : ndarray of shape (n,), int64
    """
    rng = np.random.default_rng(random_state)
    candidates = generate_candidates(instance.needs, instance.providers)
    if len(candidates) == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros(0, dtype=np.int64)
    pairs = rng.integers(0, len(candidates), n)
    need, provider = candidates.need[pairs], candidates.provider[pairs]
    X = pair_features(
        instance.needs, instance.providers, need, provider, candidates.distance_km[pairs]
    )
    column = {name: X[:, i].astype(np.float64) for i, name in enumerate(FEATURES)}
    category_effect = np.random.default_rng(_TRUTH_SEED).normal(0.0, 0.35, len(CATEGORIES))
    hidden_quality = np.where(column["quality_known"] > 0, column["quality"], 0.75)
    logit = (
        0.7
        - 0.10 * column["distance_km"]
        + 1.6 * (column["skill"] - 0.6)
        + 2.2 * (hidden_quality - 0.7)
        - 1.2 * column["load"]
        + 1.5 * (column["past_rate"] - 0.7)
        + 0.9 * column["continuity"]
        - 0.15 * (column["severity"] - 3)
        + _KIND_EFFECT[X[:, FEATURES.index("kind")].astype(int)]
        + category_effect[X[:, FEATURES.index("category")].astype(int)]
    )
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return X, y
