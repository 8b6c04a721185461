"""The success model: a prior without data, a real signal with it, artifacts that round-trip."""

import numpy as np
import pytest

from matching.candidates import generate_candidates
from matching.success import (
    FEATURES,
    SuccessModel,
    evaluate,
    load_model,
    main,
    pair_features,
    save_model,
)
from matching.synthetic import make_instance, make_outcomes


@pytest.fixture(scope="module")
def outcomes():
    return make_outcomes(make_instance("small", random_state=5), 6000, random_state=5)


def test_it_falls_back_to_the_prior_under_min_outcomes(outcomes):
    X, y = outcomes
    model = SuccessModel(min_outcomes=300, prior=0.7, prior_strength=20).fit(X[:120], y[:120])
    assert model.is_prior_
    expected = (y[:120].sum() + 0.7 * 20) / (120 + 20)
    p = model.predict_proba(X[1000:1100])[:, 1]
    assert np.allclose(p, expected)
    assert SuccessModel().fit(X[:0], y[:0]).base_rate_ == pytest.approx(0.7)


def test_one_kind_of_outcome_only_is_not_learned(outcomes):
    X, _y = outcomes
    model = SuccessModel(min_outcomes=10).fit(X[:500], np.ones(500, dtype=int))
    assert model.is_prior_


def test_it_learns_a_signal_from_synthetic_outcomes(outcomes):
    X, y = outcomes
    model = SuccessModel(random_state=0).fit(X[:4500], y[:4500])
    assert not model.is_prior_
    metrics = evaluate(model, X[4500:], y[4500:])
    assert metrics["auc"] > 0.7
    assert metrics["brier"] < metrics["brier_prior"]


def test_fast_pair_scoring_equals_predict_proba(outcomes):
    X, y = outcomes
    instance = make_instance("small", random_state=6)
    cand = generate_candidates(instance.needs, instance.providers)
    # float32 logits: isotonic steps can turn their last-digit differences into 1e-3
    for calibration, tolerance in (("sigmoid", 1e-4), ("isotonic", 2e-3)):
        model = SuccessModel(calibration=calibration, random_state=0).fit(X, y)
        fast = model.success(
            instance.needs, instance.providers, cand.need, cand.provider, cand.distance_km
        )
        slow = model.predict_proba(
            pair_features(
                instance.needs, instance.providers, cand.need, cand.provider, cand.distance_km
            )
        )[:, 1]
        np.testing.assert_allclose(fast, slow, atol=tolerance)


def test_artifacts_are_versioned_and_reload_with_the_same_predictions(outcomes, tmp_path):
    X, y = outcomes
    model = SuccessModel(random_state=0).fit(X, y)
    first = save_model(model, tmp_path, metrics={"auc": 0.8})
    second = save_model(model, tmp_path)
    assert (first.name, second.name) == ("success-v0001.joblib", "success-v0002.joblib")
    loaded, metadata = load_model(tmp_path)
    assert metadata["version"] == 2
    assert metadata["features"] == list(FEATURES)
    assert metadata["n_outcomes"] == len(y)
    np.testing.assert_array_equal(loaded.predict_proba(X[:200]), model.predict_proba(X[:200]))
    _old, old_metadata = load_model(first)
    assert old_metadata["metrics"] == {"auc": 0.8}


def test_a_directory_without_artifacts_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path)


def test_wrong_outcomes_are_refused(outcomes):
    X, _y = outcomes
    with pytest.raises(ValueError):
        SuccessModel().fit(X[:10], np.full(10, 2))


def test_training_entry_point_prints_metrics_and_saves(tmp_path, capsys):
    assert main(["--size", "small", "--outcomes", "3000", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "AUC" in printed and "Brier" in printed
    assert (tmp_path / "success-v0001.joblib").exists()
