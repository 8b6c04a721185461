"""Small random matching instances for property tests: a few km across, so most pairs are in
reach and the constraints, not the geometry, decide."""

import numpy as np

from matching.types import AGE_UNLIMITED, ALL_TIERS, FEMALE, MALE, TIERS, Needs, Providers

COUNTY = 530428
TOWNSHIPS = (530428101, 530428102)


def random_instance(
    seed: int,
    n_needs: int,
    n_providers: int,
    *,
    n_categories: int = 3,
    constraints: bool = True,
    pools: int = 0,
):
    """Needs and providers drawn from ``seed``; with ``constraints`` every hard constraint
    appears on some rows. Returns (needs, providers, budgets)."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = 23.6, 102.0
    n, m = n_needs, n_providers
    township = rng.choice(TOWNSHIPS, n)
    needs = dict(
        id=np.arange(1, n + 1),
        household=rng.integers(1, max(n // 2, 1) + 1, n),
        category=rng.integers(0, n_categories, n),
        lat=lat0 + rng.uniform(0, 0.05, n),
        lon=lon0 + rng.uniform(0, 0.05, n),
        priority=np.round(rng.uniform(5, 120, n), 2),
        severity=rng.integers(1, 6, n),
        waiting_days=rng.integers(0, 200, n),
        tier=rng.integers(0, len(TIERS), n),
        protected=rng.random(n) < 0.3,
        age=rng.integers(0, 95, n),
        sex=rng.choice([MALE, FEMALE], n),
        region=township * 1000 + rng.integers(1, 4, n),
    )
    skill = (rng.random((m, n_categories)) < 0.6) * rng.uniform(0.2, 1.0, (m, n_categories))
    providers = dict(
        id=np.arange(101, 101 + m),
        kind=rng.integers(0, 4, m),
        skill=skill.astype(np.float32),
        lat=lat0 + rng.uniform(0, 0.05, m),
        lon=lon0 + rng.uniform(0, 0.05, m),
        radius_km=rng.uniform(1.5, 8.0, m),
        capacity=rng.integers(0, 3, m),
        capacity_total=np.full(m, 3),
        quality=np.where(rng.random(m) < 0.8, rng.uniform(0.3, 1.0, m), np.nan),
    )
    if constraints:
        needs["wants_gender"] = np.where(rng.random(n) < 0.2, rng.choice([MALE, FEMALE], n), 0)
        needs["languages"] = np.where(rng.random(n) < 0.2, 2, 0)
        needs["disability_grade"] = np.where(rng.random(n) < 0.3, rng.integers(1, 5, n), 0)
        needs["current_provider"] = np.where(
            rng.random(n) < 0.3, rng.choice(providers["id"], n), -1
        )
        providers["gender"] = rng.choice([0, MALE, FEMALE], m)
        providers["serves_gender"] = np.where(rng.random(m) < 0.2, rng.choice([MALE, FEMALE], m), 0)
        providers["languages"] = rng.choice([1, 3], m)
        providers["tiers"] = np.where(rng.random(m) < 0.3, 0b000011, ALL_TIERS)
        providers["min_age"] = np.where(rng.random(m) < 0.2, 60, 0)
        providers["max_age"] = np.where(rng.random(m) < 0.2, 18, AGE_UNLIMITED)
        providers["disability_max_grade"] = np.where(rng.random(m) < 0.15, 2, 0)
        bound = rng.random(m) < 0.4
        providers["area_ptr"] = np.concatenate([[0], np.cumsum(bound)])
        providers["area_code"] = rng.choice(TOWNSHIPS, int(bound.sum()))
        providers["area_digits"] = np.full(int(bound.sum()), 9)
        declines = rng.random(n) < 0.2
        needs["declined_ptr"] = np.concatenate([[0], np.cumsum(declines)])
        needs["declined"] = rng.choice(providers["id"], int(declines.sum()))
    budgets = np.zeros(0, dtype=np.int64)
    if pools:
        paid = rng.random(m) < 0.5
        providers["pool"] = np.where(paid, rng.integers(0, pools, m), -1)
        providers["unit_cost"] = np.where(paid, rng.integers(1, 20, m) * 10_000, 0)
        budgets = rng.integers(0, 6, pools) * 10_000
    return Needs(**needs), Providers(**providers), budgets


def with_priority(needs: Needs, priority) -> Needs:
    """The same needs with other priorities."""
    return Needs(
        **{name: getattr(needs, name) for name in Needs._COLUMNS if name != "priority"},
        priority=priority,
        declined_ptr=needs.declined_ptr,
        declined=needs.declined,
    )
