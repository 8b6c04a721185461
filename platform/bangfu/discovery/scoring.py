"""The risk model of the warnings: trained on past verifications, applied to the open ones.

- ``risk_model_train`` learns the risk score from past verifications and stores the new version;
- ``flags_rescore`` applies the current model to the open warnings (or clears the scores when
  there is none); the scan calls it on the warnings of its region.
"""

from dataclasses import dataclass

from bangfu.core.model_store import ModelStore
from bangfu.discovery import risk
from bangfu.discovery.features import FEATURES, vector
from bangfu.discovery.models import Flag, Task

BATCH_SIZE = 1000
Outcome = Task.Outcome

# A model trained on another feature set is not used: retrain it.
RISK_MODELS = ModelStore("risk", compatible=lambda meta: meta.get("features") == list(FEATURES))


def current_model() -> tuple[risk.RiskModel, dict] | None:
    """The model in use and its metadata, re-read when a new version was trained; None: rank
    by rule weight."""
    return RISK_MODELS.latest()


def flags_rescore(*, flags) -> int:
    """Score the open warnings among ``flags`` with the current model (or clear their scores)."""
    open_flags = list(
        flags.filter(task__status=Task.Status.OPEN).only("pk", "features", "risk_score")
    )
    if not open_flags:
        return 0
    loaded = current_model()
    if loaded is None:
        for flag in open_flags:
            flag.risk_score, flag.model_version = None, ""
    else:
        model, meta = loaded
        scores = model.predict_proba([vector(flag.features) for flag in open_flags])[:, 1]
        for flag, score in zip(open_flags, scores, strict=True):
            flag.risk_score, flag.model_version = round(float(score), 4), meta["version"]
    return Flag.objects.bulk_update(
        open_flags, ["risk_score", "model_version"], batch_size=BATCH_SIZE
    )


def training_data() -> tuple[list[list[float]], list[int]]:
    """Past verifications: the warning's features then, and 1 if the visit found the warning
    right: it ended in a recommendation to the township (to enrol, or to exit or adjust a
    status wrongly held)."""
    rows = Flag.objects.filter(
        task__kind=Task.Kind.VERIFY,
        task__status=Task.Status.DONE,
        task__outcome__in=[Outcome.RECOMMENDED, Outcome.REFERRED, Outcome.DISMISSED],
    ).values_list("features", "task__outcome")
    X, y = [], []
    for values, outcome in rows.order_by("pk"):
        X.append(vector(values))
        y.append(int(outcome == Outcome.RECOMMENDED))
    return X, y


@dataclass(frozen=True)
class TrainingResult:
    version: str
    auc: float
    outcomes: int
    enrolled: int
    n_test: int
    coefficients: dict


def risk_model_train(
    *, test_size: float = 0.25, random_state: int = 0, min_outcomes: int = 200
) -> TrainingResult:
    """Train on past verifications, measure on a held-out share, store the new version and
    rescore the open warnings. Raises ``risk.NotEnoughHistory`` below ``min_outcomes``."""
    X, y = training_data()
    evaluation = risk.train_and_evaluate(
        X, y, test_size=test_size, random_state=random_state, min_outcomes=min_outcomes
    )
    coefficients = evaluation.model.coefficients(FEATURES)
    version = RISK_MODELS.save(
        evaluation.model,
        {
            "features": list(FEATURES),
            "auc": round(evaluation.auc, 4),
            "outcomes": len(y),
            "enrolled": evaluation.positives,
            "n_train": evaluation.n_train,
            "n_test": evaluation.n_test,
            "test_size": test_size,
            "random_state": random_state,
            "coefficients": coefficients,
        },
    )
    flags_rescore(flags=Flag.objects.all())
    return TrainingResult(
        version=version,
        auc=evaluation.auc,
        outcomes=len(y),
        enrolled=evaluation.positives,
        n_test=evaluation.n_test,
        coefficients=coefficients,
    )
