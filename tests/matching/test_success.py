"""The success model: a prior without data, a real signal with it, metadata that say which
stored models can serve the code (the store itself: tests/core/test_model_store.py)."""

import numpy as np
import pytest

from matching.candidates import generate_candidates
from matching.features import FEATURES, pair_features
from matching.success import CategoryRates, SuccessModel, describe, evaluate, is_compatible, main
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


def test_the_metadata_name_what_the_model_learned_from_and_its_metrics(outcomes):
    X, y = outcomes
    model = SuccessModel(random_state=0).fit(X, y)
    metadata = describe(model, {"auc": 0.8})
    assert metadata["features"] == list(FEATURES)
    assert metadata["n_outcomes"] == len(y) and metadata["is_prior"] is False
    assert metadata["metrics"] == {"auc": 0.8}
    assert is_compatible(metadata)


@pytest.mark.parametrize(
    "change", [{"features": list(reversed(FEATURES))}, {"format": 0}, {"format": None}]
)
def test_a_model_stored_for_other_features_or_another_format_cannot_serve(outcomes, change):
    X, y = outcomes
    metadata = describe(SuccessModel(random_state=0).fit(X[:500], y[:500]))
    assert not is_compatible({**metadata, **change})


def test_wrong_outcomes_are_refused(outcomes):
    X, _y = outcomes
    with pytest.raises(ValueError):
        SuccessModel().fit(X[:10], np.full(10, 2))


def test_training_entry_point_prints_metrics(capsys):
    assert main(["--size", "small", "--outcomes", "3000"]) == 0
    printed = capsys.readouterr().out
    assert "AUC" in printed and "Brier" in printed


def leaky_toy(n=3000, seed=0):
    """Outcomes that are coin flips, and a category column that is nearly a row id (each code
    on two rows): a rate fitted on the rows it encodes would read each row's own outcome."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES))).astype(np.float32)
    category = FEATURES.index("category")
    X[:, category] = np.arange(n) // 2
    for name in ("kind", "tier"):
        X[:, FEATURES.index(name)] = rng.integers(0, 3, n)
    return X, rng.integers(0, 2, n), category


def test_category_rates_of_training_rows_do_not_use_their_own_outcome():
    X, y, category = leaky_toy()
    encoded = CategoryRates(random_state=0).fit_transform(X, y)[:, category]
    # cross-fitted: a row's code is unseen in the other folds, so its rate is theirs, not its own
    assert abs(encoded[y == 1].mean() - encoded[y == 0].mean()) < 0.02
    # control: the rates of all the rows (what transform gives new rows) do contain it
    refitted = CategoryRates(random_state=0).fit(X, y).transform(X)[:, category]
    assert refitted[y == 1].mean() - refitted[y == 0].mean() > 0.05


def test_the_model_learns_nothing_from_a_category_that_only_leaks_outcomes():
    X, y, _category = leaky_toy()
    model = SuccessModel(random_state=0).fit(X, y)
    assert not model.is_prior_
    # On its own training rows: no better, and no worse, than a coin. (Rates fitted on the rows
    # they encode give the logistic regression a feature its calibration then turns upside
    # down: an AUC of 0.11 here.)
    assert abs(evaluate(model, X, y)["auc"] - 0.5) < 0.1
