"""Fits the referral success model on the platform's closed referrals.

Each closed referral is one outcome: completed (1), or declined, expired or closed without
service (0); revoked ones say nothing about the provider and are left out. Features are those of
the need and the provider as they are now, through the same adapter the engine runs on.
"""

from __future__ import annotations

import numpy as np
from django.db.models import Q
from sklearn.model_selection import train_test_split

from bangfu.matching_runs import adapter
from bangfu.matching_runs.engine import SUCCESS_MODELS
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region, within
from matching.features import pair_features
from matching.success import SuccessModel, describe, evaluate
from matching.types import km_of_chord, unit_vectors

CLOSED = (*Referral.REFUSED, Referral.Status.COMPLETED, Referral.Status.CLOSED)


def closed_outcomes(region: Region) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix and outcomes of the closed referrals of the region's county."""
    county = region.county()
    rows = list(
        Referral.objects.filter(Q(status__in=CLOSED), within(county, "need__household__region"))
        .order_by("pk")
        .values_list("need_id", "provider__kind", "provider_id", "status")
    )
    instance = adapter.load_instance(
        county, need_ids=sorted({row[0] for row in rows}), open_only=False
    )
    need_pos = {int(pk): i for i, pk in enumerate(instance.needs.id)}
    provider_pos = instance.providers.positions(
        [adapter.key_of(kind, pk) for _need, kind, pk, _status in rows]
    )
    need = np.asarray([need_pos.get(row[0], -1) for row in rows], dtype=np.int64)
    known = (need >= 0) & (provider_pos >= 0)
    need, provider = need[known], provider_pos[known]
    y = np.asarray([row[-1] == Referral.Status.COMPLETED for row in rows], dtype=np.int64)[known]
    needs, providers = instance.needs, instance.providers
    chord = np.linalg.norm(
        unit_vectors(needs.lat[need], needs.lon[need])
        - unit_vectors(providers.lat[provider], providers.lon[provider]),
        axis=1,
    )
    return pair_features(needs, providers, need, provider, km_of_chord(chord)), y


def train_success_model(
    *, region: Region, min_outcomes: int = 300, test_share: float = 0.25, random_state: int = 0
) -> dict:
    """Fit, evaluate on held-out outcomes, save the next version; return the metrics, with the
    ``version`` saved and its ``artifact`` file."""
    X, y = closed_outcomes(region)
    stratify = y if len(np.unique(y)) == 2 and len(y) >= 10 else None
    if len(y) >= 4:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_share, random_state=random_state, stratify=stratify
        )
    else:
        X_train, X_test, y_train, y_test = X, X[:0], y, y[:0]
    model = SuccessModel(min_outcomes=min_outcomes, random_state=random_state).fit(X_train, y_train)
    metrics = evaluate(model, X_test, y_test) if len(y_test) else {"n": 0}
    metrics.update(outcomes=len(y), is_prior=bool(model.is_prior_))
    final = SuccessModel(min_outcomes=min_outcomes, random_state=random_state).fit(X, y)
    version = SUCCESS_MODELS.save(final, describe(final, metrics))
    return {**metrics, "version": version, "artifact": str(SUCCESS_MODELS.path(version))}
