"""The learned chance that a referral is accepted and completed.

:func:`matching.features.pair_features` turns candidate pairs into a feature matrix;
:class:`SuccessModel` is a scikit-learn classifier fitted on closed referrals (completed = 1,
declined, abandoned or failed = 0): success rates for the categorical columns (cross-fitted
target encoding), scaling and a logistic regression, calibrated by cross-validation. Below
``min_outcomes`` closed referrals it does not pretend to have learned anything and predicts the
smoothed base rate (the prior) for every pair.

The platform stores a fitted model (``bangfu.core.model_store``) with the metadata
:func:`describe` gives (format, features, number of outcomes, offline metrics, library
versions); :func:`is_compatible` says whether a stored model can serve this code.
``python -m matching.success`` trains on synthetic or given outcomes and prints the offline
metrics (AUC, Brier score) next to the prior's.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, TargetEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from matching.features import (
    CATEGORICAL,
    FEATURES,
    PAIR_CHUNK,
    PAIR_SIDE,
    need_columns,
    pair_columns,
    provider_columns,
)


class CategoryRates(TransformerMixin, BaseEstimator):
    """Replace integer-coded columns by their success rate (target encoding), cross-fitted.

    scikit-learn's :class:`~sklearn.preprocessing.TargetEncoder` on the chosen columns, the
    others left in place. Fitting the rates on the rows they then encode leaks each row's own
    outcome into its feature (a category seen a few times looks as good as its few outcomes),
    so :meth:`fit_transform` — what a pipeline calls when it is fitted — encodes every row with
    rates learned on the other folds only; :meth:`transform` uses the rates of all the rows.

    Parameters
    ----------
    columns : tuple of int
        The integer-coded columns of X (codes ≥ 0).
    smooth : "auto" or float
        Shrinkage of a code's rate towards the overall rate (``TargetEncoder(smooth=…)``).
    cv : int
        Folds of the cross-fitting.
    random_state : int, RandomState or None
        Shuffles the folds.

    Attributes
    ----------
    encoder_ : TargetEncoder
    rates_ : list of ndarray of shape (max code + 2,), float32
        For each column, the rate of each code; the last entry, the overall rate, is for codes
        not seen in fitting.
    """

    def __init__(self, columns=CATEGORICAL, smooth="auto", cv=5, random_state=None):
        self.columns = columns
        self.smooth = smooth
        self.cv = cv
        self.random_state = random_state

    def _codes(self, X):
        codes = X[:, list(self.columns)].astype(np.int64)
        if codes.size and codes.min() < 0:
            raise ValueError("category codes must be non-negative")
        return codes

    def fit(self, X, y):
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float32, copy=True)
        self.encoder_ = TargetEncoder(
            target_type="binary",
            smooth=self.smooth,
            cv=StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state),
        )
        X[:, list(self.columns)] = self.encoder_.fit_transform(self._codes(X), y)
        overall = np.float32(self.encoder_.target_mean_)
        self.rates_ = []
        for seen, encoding in zip(self.encoder_.categories_, self.encoder_.encodings_, strict=True):
            seen = seen.astype(np.int64)
            rate = np.full(int(seen.max(initial=-1)) + 2, overall, dtype=np.float32)
            rate[seen] = encoding
            self.rates_.append(rate)
        return X

    def transform(self, X):
        check_is_fitted(self, "rates_")
        X = validate_data(self, X, dtype=np.float32, reset=False, copy=True)
        for column, rate in zip(self.columns, self.rates_, strict=True):
            codes = X[:, column].astype(np.int64)
            unseen = (codes < 0) | (codes >= rate.shape[0] - 1)
            codes[unseen] = rate.shape[0] - 1
            X[:, column] = rate[codes]
        return X


class SuccessModel(ClassifierMixin, BaseEstimator):
    """Probability that a referral of a need to a provider is accepted and completed.

    Parameters
    ----------
    min_outcomes : int
        Fewer closed referrals than this, or fewer of either outcome than ``cv`` (the
        calibration's folds could not each hold one), and the model predicts the prior for
        every pair.
    prior : float
        The success rate assumed before any outcome is known.
    prior_strength : float
        How many outcomes the prior is worth when blended with the observed rate.
    C : float
        Inverse regularisation strength of the logistic regression.
    calibration : {"auto", "isotonic", "sigmoid"}
        "auto" is sigmoid (Platt): it is cheap enough to score millions of pairs; isotonic
        needs a binary search per pair.
    cv : int
        Folds of the calibration's cross-validation.
    random_state : int, RandomState or None
        Shuffles the calibration folds.

    Attributes
    ----------
    n_outcomes_ : int
    base_rate_ : float
        The smoothed success rate, predicted for every pair when ``is_prior_``.
    is_prior_ : bool
    classifier_ : CalibratedClassifierCV or None
    linear_ : the fitted classifier as a calibrated linear form, for :meth:`success`
    classes_ : ndarray of shape (2,)
    """

    def __init__(
        self,
        *,
        min_outcomes=300,
        prior=0.7,
        prior_strength=20.0,
        C=1.0,
        calibration="auto",
        cv=3,
        random_state=None,
    ):
        self.min_outcomes = min_outcomes
        self.prior = prior
        self.prior_strength = prior_strength
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y):
        """Fit on closed referrals.

        Parameters
        ----------
        X : array-like of shape (n_outcomes, len(FEATURES))
            From :func:`matching.features.pair_features`.
        y : array-like of shape (n_outcomes,)
            1 when the referral was completed, 0 otherwise.

        Returns
        -------
        self
        """
        if len(y) == 0:
            X = np.zeros((0, len(FEATURES)), dtype=np.float32)
            self.n_features_in_ = len(FEATURES)
            y = np.zeros(0, dtype=np.int64)
        else:
            X, y = validate_data(self, X, y, dtype=np.float32)
            if type_of_target(y) not in ("binary", "unary") or not np.isin(y, (0, 1)).all():
                raise ValueError("outcomes must be 0 or 1")
            y = y.astype(np.int64)
        if self.n_features_in_ != len(FEATURES):
            raise ValueError(f"X must have the {len(FEATURES)} columns of FEATURES")
        self.classes_ = np.array([0, 1])
        self.n_outcomes_ = int(y.shape[0])
        self.base_rate_ = float(
            (y.sum() + self.prior * self.prior_strength) / (y.shape[0] + self.prior_strength)
        )
        rarer = int(min(y.sum(), y.shape[0] - y.sum()))
        self.is_prior_ = self.n_outcomes_ < self.min_outcomes or rarer < self.cv
        self.classifier_ = None
        if not self.is_prior_:
            method = self.calibration
            if method == "auto":
                method = "sigmoid"
            pipeline = Pipeline(
                [
                    ("rates", CategoryRates(random_state=self.random_state)),
                    ("scale", StandardScaler()),
                    ("logistic", LogisticRegression(C=self.C, max_iter=1000)),
                ]
            )
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
            self.classifier_ = CalibratedClassifierCV(
                pipeline, method=method, cv=folds, ensemble=False
            ).fit(X, y)
            self.linear_ = _LinearForm(self.classifier_)
        return self

    def predict_proba(self, X):
        """Probabilities of failure and success.

        Parameters
        ----------
        X : array-like of shape (n_pairs, len(FEATURES))

        Returns
        -------
        ndarray of shape (n_pairs, 2)
        """
        check_is_fitted(self, "is_prior_")
        if self.is_prior_:
            n = np.shape(X)[0]
            p = np.full(n, self.base_rate_)
        else:
            with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
                p = self.classifier_.predict_proba(X)[:, 1]
        return np.column_stack((1.0 - p, p))

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def success(self, needs, providers, need, provider, distance_km, *, pair_side=None):
        """Success probabilities of candidate pairs, as ``predict_proba(pair_features(…))[:, 1]``.

        The fitted model is a calibrated linear function of the features, most of which
        belong to the need or to the provider alone, so its logit is worked out once per need
        and once per provider and only three terms per pair: this is what makes scoring
        millions of pairs cheap.

        Parameters
        ----------
        needs, providers : Needs, Providers
        need, provider : ndarray of shape (p,), int
        distance_km : ndarray of shape (p,)
        pair_side : dict, optional
            The pair features ("distance_km", "skill", "continuity") when the caller has
            them already.

        Returns
        -------
        ndarray of shape (p,), float32
        """
        check_is_fitted(self, "is_prior_")
        need, provider = np.asarray(need), np.asarray(provider)
        p = need.shape[0]
        if pair_side is None and not self.is_prior_:
            pair_side = pair_columns(needs, providers, need, provider, distance_km)
        chances = PairSuccess(self, needs, providers, p)
        success = np.empty(p, dtype=np.float32)
        # Chunk by chunk into the result: the temporaries stay in cache and are reused.
        for start in range(0, p, PAIR_CHUNK):
            rows = slice(start, min(start + PAIR_CHUNK, p))
            side = {name: pair_side[name][rows] for name in PAIR_SIDE} if pair_side else None
            chances(need[rows], provider[rows], side, out=success[rows])
        return success


class PairSuccess:
    """A fitted :class:`SuccessModel`'s success chances of pairs of given needs and providers.

    The logit's need and provider parts are worked out once per need and once per provider
    when at least ``n_pairs`` pairs will be asked for, so each call (a chunk of a batch, or
    the few pairs of a ranking) only gathers them and adds the three terms of the pair.

    Parameters
    ----------
    model : fitted SuccessModel
    needs, providers : Needs, Providers
    n_pairs : int
        About how many pairs will be asked for, in all.
    """

    def __init__(self, model: SuccessModel, needs, providers, n_pairs: int):
        check_is_fitted(model, "is_prior_")
        self.model, self.needs, self.providers = model, needs, providers
        self.need_term = self.provider_term = None
        if model.is_prior_:
            return
        linear = model.linear_
        if n_pairs >= len(needs):
            self.need_term = linear.term(need_columns(needs, slice(None)), len(needs))
        if n_pairs >= len(providers):
            self.provider_term = linear.term(
                provider_columns(providers, slice(None)), len(providers)
            )

    def __call__(self, need, provider, pair_side, out=None) -> np.ndarray:
        """Success chances of pairs, shape (p,), float32.

        ``pair_side``: the pairs' :data:`~matching.features.PAIR_SIDE` columns (from
        :func:`~matching.features.pair_columns`; unused by a prior model). The result is
        written to ``out`` when given.
        """
        p = np.shape(need)[0]
        logit = np.empty(p, dtype=np.float32) if out is None else out
        if self.model.is_prior_:
            logit[:] = np.float32(self.model.base_rate_)
            return logit
        linear = self.model.linear_
        if self.need_term is None:
            logit[:] = linear.term(need_columns(self.needs, need), p)
        else:
            np.take(self.need_term, need, out=logit)
        if self.provider_term is None:
            logit += linear.term(provider_columns(self.providers, provider), p)
        else:
            logit += self.provider_term[provider]
        logit += linear.intercept
        linear.term({name: pair_side[name] for name in PAIR_SIDE}, p, out=logit)
        calibrated = linear.calibrated(logit)
        if calibrated is not logit:
            logit[:] = calibrated
        return np.minimum(logit, np.float32(1.0), out=logit)


class _LinearForm:
    """The fitted calibrated model as what it is: a monotone map of a linear function.

    Weights are per raw feature (scaling folded in), categorical columns go through their
    success-rate tables, and the calibrator is applied without per-call validation.
    """

    def __init__(self, classifier: CalibratedClassifierCV):
        fitted = classifier.calibrated_classifiers_[0]
        pipeline, self.calibrator = fitted.estimator, fitted.calibrators[0]
        scale = pipeline.named_steps["scale"]
        logistic = pipeline.named_steps["logistic"]
        weight = logistic.coef_[0] / scale.scale_
        self.intercept = np.float32(logistic.intercept_[0] - float(np.dot(weight, scale.mean_)))
        self.weight = {name: np.float32(weight[f]) for f, name in enumerate(FEATURES)}
        rates = pipeline.named_steps["rates"]
        self.rates = {
            FEATURES[column]: table
            for column, table in zip(rates.columns, rates.rates_, strict=True)
        }

    def term(self, columns: dict, size: int, out=None) -> np.ndarray:
        """The weighted sum of ``columns`` (shape (size,)), added to ``out`` when given."""
        total = np.zeros(size, dtype=np.float32) if out is None else out
        scratch = np.empty(size, dtype=np.float32)
        for name, values in columns.items():
            table = self.rates.get(name)
            if table is not None:
                codes = values.astype(np.int64)
                codes[(codes < 0) | (codes >= table.shape[0] - 1)] = table.shape[0] - 1
                values = table[codes]
            np.multiply(values, self.weight[name], out=scratch)
            total += scratch
        return total

    def calibrated(self, logit):
        """Calibrated probabilities of float32 logits, computed in place."""
        calibrator = self.calibrator
        if hasattr(calibrator, "a_") and hasattr(calibrator, "b_"):  # sigmoid (Platt)
            logit *= np.float32(calibrator.a_)
            logit += np.float32(calibrator.b_)
            np.exp(logit, out=logit)
            logit += np.float32(1.0)
            return np.reciprocal(logit, out=logit)
        if hasattr(calibrator, "X_thresholds_"):  # isotonic, clipped at both ends
            return np.interp(logit, calibrator.X_thresholds_, calibrator.y_thresholds_)
        return calibrator.predict(logit)


def evaluate(model: SuccessModel, X, y) -> dict:
    """Offline metrics on held-out outcomes: AUC, Brier score, and the prior's Brier score."""
    y = np.asarray(y)
    p = model.predict_proba(X)[:, 1]
    return {
        "n": int(y.shape[0]),
        "success_rate": float(y.mean()),
        "auc": float(roc_auc_score(y, p)) if np.unique(y).size == 2 else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "brier_prior": float(brier_score_loss(y, np.full(y.shape[0], model.base_rate_))),
    }


ARTIFACT_FORMAT = 1


def describe(model: SuccessModel, metrics: dict | None = None) -> dict:
    """The metadata to store with a fitted model (JSON): what it was fitted on and how well it
    did on held-out outcomes (``metrics``, from :func:`evaluate`)."""
    check_is_fitted(model, "is_prior_")
    return {
        "format": ARTIFACT_FORMAT,
        "features": list(FEATURES),
        "n_outcomes": model.n_outcomes_,
        "is_prior": bool(model.is_prior_),
        "base_rate": model.base_rate_,
        "params": model.get_params(),
        "metrics": metrics or {},
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }


def is_compatible(metadata: dict) -> bool:
    """Whether a model stored with ``metadata`` can serve this code: the same format and the
    same features. One saved by another scikit-learn loads, with a warning to retrain it."""
    if metadata.get("format") != ARTIFACT_FORMAT:
        return False
    if tuple(metadata.get("features", ())) != FEATURES:
        return False
    if metadata.get("sklearn") != sklearn.__version__:
        warnings.warn(
            f"success model {metadata.get('version')} was saved with scikit-learn "
            f"{metadata.get('sklearn')}, running {sklearn.__version__}: retrain it",
            stacklevel=2,
        )
    return True


def _split(n, test_share, random_state):
    rng = np.random.default_rng(random_state)
    order = rng.permutation(n)
    cut = round(n * (1 - test_share))
    return order[:cut], order[cut:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matching.success",
        description="Train the referral success model and print its offline metrics.",
    )
    parser.add_argument("--data", help=".npz with X (n, features) and y (n,) of closed referrals")
    parser.add_argument("--size", default="small", help="synthetic instance when no --data")
    parser.add_argument("--outcomes", type=int, default=20_000, help="synthetic outcomes")
    parser.add_argument("--min-outcomes", type=int, default=300)
    parser.add_argument("--test-share", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.data:
        with np.load(args.data) as data:
            X, y = data["X"], data["y"]
        source = args.data
    else:
        from matching.synthetic import make_instance, make_outcomes

        instance = make_instance(args.size, random_state=args.seed)
        X, y = make_outcomes(instance, args.outcomes, random_state=args.seed)
        source = f"synthetic {args.size}, seed {args.seed}"
    train, test = _split(len(y), args.test_share, args.seed)
    model = SuccessModel(min_outcomes=args.min_outcomes, random_state=args.seed)
    model.fit(X[train], y[train])
    metrics = evaluate(model, X[test], y[test])
    print(f"outcomes: {len(y)} from {source}; trained on {len(train)}, tested on {len(test)}")
    print(f"model: {'prior only' if model.is_prior_ else 'calibrated logistic regression'}")
    print(f"AUC            {metrics['auc']:.4f}")
    print(f"Brier score    {metrics['brier']:.4f}")
    print(f"Brier (prior)  {metrics['brier_prior']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
