"""The risk score of a warning: how likely a verification ends in enrolment, learned from past
verifications. Assistants visit the likeliest first.

A scikit-learn estimator (standardised features, logistic regression: few hundred outcomes a
year per county do not support more, and its coefficients can be read out to the bureau). No
Django here: ``scoring`` turns warnings into arrays and stores the trained versions
(``bangfu.core.model_store``).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data


class NotEnoughHistory(ValueError):
    """Too few past outcomes to learn from: warnings stay in rule order."""


class RiskModel(ClassifierMixin, BaseEstimator):
    """P(enrolled | features) of a warning.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    min_outcomes : int
        Fewest past verifications to learn from; ``fit`` raises ``NotEnoughHistory`` below it.
    min_per_class : int
        Fewest enrolments and fewest non-enrolments among them.
    random_state : int or None
    """

    def __init__(self, *, C=1.0, min_outcomes=200, min_per_class=20, random_state=None):
        self.C = C
        self.min_outcomes = min_outcomes
        self.min_per_class = min_per_class
        self.random_state = random_state

    def fit(self, X, y):
        """X: array (n_warnings, n_features); y: array (n_warnings,) of 0/1 (1 = enrolled)."""
        X, y = validate_data(self, X, y)
        self.check_history(y)
        self.pipeline_ = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state),
        )
        self.pipeline_.fit(X, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def check_history(self, y) -> None:
        """Raise ``NotEnoughHistory`` unless ``y`` holds enough outcomes of both kinds."""
        check_classification_targets(y)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise NotEnoughHistory(
                f"{len(y)} outcomes of 1 class only: learning needs enrolments and dismissals"
            )
        if len(y) < self.min_outcomes or counts.min() < self.min_per_class:
            raise NotEnoughHistory(
                f"{len(y)} outcomes ({counts.min()} in the smaller class): need "
                f"{self.min_outcomes}, with at least {self.min_per_class} in each class"
            )

    def predict_proba(self, X):
        """Array (n_warnings, 2): P(not enrolled), P(enrolled)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.pipeline_.predict_proba(X)

    def predict(self, X):
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def coefficients(self, names) -> dict[str, float]:
        """The standardised coefficient of each feature: what pushes a warning up or down."""
        check_is_fitted(self)
        weights = self.pipeline_[-1].coef_[0]
        return {name: round(float(w), 4) for name, w in zip(names, weights, strict=True)}


@dataclass(frozen=True)
class Evaluation:
    model: RiskModel
    auc: float  # on the held-out part, never seen in training
    n_train: int
    n_test: int
    positives: int


def train_and_evaluate(X, y, *, test_size=0.25, random_state=0, **params) -> Evaluation:
    """Fit on a stratified share of the outcomes and measure the ROC AUC on the rest.

    The model that is kept is the one measured: what the report says is what ranks warnings.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=int)
    # The thresholds apply to the whole history, before a share of it is held out.
    RiskModel(**params).check_history(y)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    model = RiskModel(
        random_state=random_state, **{**params, "min_outcomes": 1, "min_per_class": 1}
    )
    model.fit(X_train, y_train)
    auc = float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    return Evaluation(
        model=model,
        auc=auc,
        n_train=len(y_train),
        n_test=len(y_test),
        positives=int(y.sum()),
    )
