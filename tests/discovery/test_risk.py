"""The risk score: learned from past verifications, measured on held-out ones, stored as
versions under VAR_DIR; warnings fall back to rule order while there is too little history."""

import datetime as dt
import json
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from sklearn.utils.estimator_checks import parametrize_with_checks

from bangfu.discovery.features import Facts, features
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import Flag, Rule, Source, Task
from bangfu.discovery.risk import RiskModel
from bangfu.discovery.scoring import RISK_MODELS
from tests.discovery.conftest import MEDICAL, TEKUN, TODAY, csv_upload, household, person_id


@parametrize_with_checks([RiskModel(min_outcomes=1, min_per_class=1)])
def test_the_model_keeps_the_scikit_learn_contract(estimator, check):
    check(estimator)


def history(place, assistant, size: int, *, seed: int = 0) -> None:
    """Past verifications where medical warnings mostly ended in enrolment and dropped
    destitute minors mostly did not: the opposite of the rules' default weights."""
    rng = random.Random(seed)
    home, _members = household(place["village"])
    for index in range(size):
        rule = rng.choice([Rule.MEDICAL, Rule.TEKUN_MINOR_DROPPED])
        chance = 0.85 if rule == Rule.MEDICAL else 0.15
        outcome = Task.Outcome.RECOMMENDED if rng.random() < chance else Task.Outcome.DISMISSED
        fired = TODAY - dt.timedelta(days=100 + index)
        task = Task.objects.create(
            kind=Task.Kind.VERIFY,
            region=place["village"],
            household=home,
            assignee=assistant,
            due_on=fired,
            status=Task.Status.DONE,
            outcome=outcome,
            dismiss_reason="not_eligible" if outcome == Task.Outcome.DISMISSED else "",
            completed_on=fired,
            completed_by=assistant,
        )
        Flag.objects.create(
            rule=rule,
            key=f"past:{index}",
            region=place["village"],
            household=home,
            features=features(Facts(rule=rule, age=rng.randint(10, 80), registered=False)),
            fired_on=fired,
            task=task,
        )


def open_warnings(place, bureau):
    """Today's warnings: a dropped destitute minor (weight 90), a medical bill (weight 60)."""
    village = place["village"].code
    minor = person_id(dt.date(2009, 6, 1))
    listed = TODAY - dt.timedelta(days=60)
    for rows, as_of in ([[minor, "小明", village, "2009-06-01"]], listed), ([], TODAY):
        upload = csv_upload(TEKUN, rows)
        report = import_crosscheck(
            upload, source=Source.TEKUN_LIST, filename="t.csv", by=bureau, as_of=as_of
        )
        assert report.ok
    upload = csv_upload(MEDICAL, [[person_id(), "大病", village, 2026, "80000"]])
    assert import_crosscheck(upload, source=Source.MEDICAL, filename="m.csv", by=bureau).ok


def listed_rules(client) -> list[str]:
    response = client.get(reverse("discovery:flag-list"), {"state": "open"})
    return [flag.rule for flag in response.context["flags"]]


def test_with_too_little_history_warnings_stay_in_rule_order(place, bureau, assistant, client):
    history(place, assistant, 50)
    open_warnings(place, bureau)
    out = StringIO()
    call_command("train_risk_model", stdout=out)
    assert "Too little history" in out.getvalue() and "50 outcomes" in out.getvalue()
    assert RISK_MODELS.versions() == []
    client.force_login(bureau)
    assert listed_rules(client) == [Rule.TEKUN_MINOR_DROPPED, Rule.MEDICAL]
    assert set(Flag.objects.filter(task__status="open").values_list("risk_score", flat=True)) == {
        None
    }


def test_the_trained_model_ranks_the_likeliest_enrolment_first(place, bureau, assistant, client):
    history(place, assistant, 400)
    open_warnings(place, bureau)
    out = StringIO()
    call_command("train_risk_model", stdout=out)
    report = out.getvalue()
    assert "Learned from 400 verifications" in report
    assert "AUC on 100 held-out verifications" in report
    meta = json.loads((RISK_MODELS.directory / "risk-v0001.json").read_text())
    assert meta["auc"] > 0.75 and meta["n_test"] == 100 and meta["version"] == "v0001"

    client.force_login(bureau)
    assert listed_rules(client) == [Rule.MEDICAL, Rule.TEKUN_MINOR_DROPPED]
    medical = Flag.objects.get(rule=Rule.MEDICAL, task__status="open")
    minor = Flag.objects.get(rule=Rule.TEKUN_MINOR_DROPPED, task__status="open")
    assert medical.risk_score > 0.7 > 0.3 > minor.risk_score
    assert medical.model_version == "v0001"

    # The assistant's worklist follows the same order.
    client.force_login(assistant)
    tasks = client.get(reverse("discovery:task-list")).context["tasks"]
    assert [task.flag.rule for task in tasks] == [Rule.MEDICAL, Rule.TEKUN_MINOR_DROPPED]


def test_each_training_is_a_new_version(place, bureau, assistant):
    history(place, assistant, 300)
    call_command("train_risk_model", stdout=StringIO())
    call_command("train_risk_model", "--seed=1", stdout=StringIO())
    assert sorted(p.name for p in RISK_MODELS.directory.glob("*.joblib")) == [
        "risk-v0001.joblib",
        "risk-v0002.joblib",
    ]
    assert RISK_MODELS.latest()[1]["version"] == "v0002"


@pytest.mark.parametrize("size", [0, 300])
def test_the_overview_says_how_warnings_are_ranked(place, bureau, assistant, client, size):
    history(place, assistant, size)
    if size:
        call_command("train_risk_model", stdout=StringIO())
    client.force_login(bureau)
    body = client.get(reverse("discovery:dashboard")).content.decode()
    if size:
        assert "ranked by the risk model v0001" in body
    else:
        assert "ranked by the weight of their rule" in body
