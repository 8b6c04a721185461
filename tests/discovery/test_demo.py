"""The demo step of finding people: on a small demo county, the departments' files raise
warnings of every kind across the townships through the real import, the risk model learns
from the shipped history, and the same seed gives the same warnings."""

import datetime as dt
import json
import random

import pytest
from django.db import transaction

from bangfu.demo.builder import DemoOptions, demo_build
from bangfu.demo.discovery import load_discovery_demo, reset_discovery_demo
from bangfu.demo.steps import STEPS
from bangfu.discovery.models import CandidatePerson, Flag, Rule, Source, Task
from bangfu.discovery.rules import RULES
from bangfu.regions.models import Region

AS_OF = dt.date(2026, 11, 20)


class Rollback(Exception):
    pass


@pytest.fixture
def county(db):
    steps = [step for step in STEPS if step.name != "discovery"]
    demo_build(options=DemoOptions(households=400, seed=2026, as_of=AS_OF), steps=steps)
    return Region.objects.get(code="530428")


def digest(county) -> list:
    return sorted(
        (
            flag.rule,
            flag.region.code,
            flag.fired_on.isoformat(),
            json.dumps(flag.evidence, sort_keys=True),
        )
        for flag in Flag.objects.filter(region__path__startswith=county.path, fired_on=AS_OF)
    )


def test_the_demo_raises_warnings_across_the_county_and_trains_the_model(county):
    summary = load_discovery_demo(county, random.Random("2026:discovery"), as_of=AS_OF)

    warnings = Flag.objects.filter(fired_on=AS_OF)
    rules = set(warnings.values_list("rule", flat=True))
    assert summary["warnings"] == warnings.count() >= 20
    # Every rule of the files and of the registry, and the refused duplicate registration.
    assert rules >= set(RULES) | {Rule.DUPLICATE_REGISTRATION}
    assert summary["duplicate_attempt"] is True
    # The 错保 files raise a warning for each kind of record, and none for people of no
    # status (the import keeps only the registry's people of those files).
    wrongly = warnings.filter(rule=Rule.WRONGLY_COVERED)
    assert set(wrongly.values_list("evidence__source", flat=True)) == {
        Source.DEATHS,
        Source.VEHICLES,
        Source.PROPERTY,
        Source.BUSINESS,
        Source.PUBLIC_PAYROLL,
    }
    assert not wrongly.filter(household__tier="none").exists()
    # 16-18: one dropped from the lists, one the platform's own exit at 16.
    dropped = warnings.filter(rule=Rule.TEKUN_MINOR_DROPPED)
    assert dropped.filter(evidence__has_key="current_list").exists()
    assert dropped.filter(evidence__has_key="exited_on").exists()
    # 支出型 from medical, schooling and rehabilitation spending.
    spending = set()
    for flag in warnings.filter(rule=Rule.EXPENDITURE):
        spending |= set(flag.evidence["spending"])
    assert spending >= {"medical", "education"}
    townships = set(warnings.values_list("region__parent", flat=True))
    assert len(townships) >= 4
    assert CandidatePerson.objects.exists()
    # Every warning is someone's task; the history trained a model that beats chance.
    assert not warnings.exclude(rule=Rule.DUPLICATE_REGISTRATION).filter(task=None).exists()
    assert summary["history"]["verifications"] == 720
    assert summary["risk_model"]["auc"] > 0.65
    assert not warnings.filter(task__status="open", risk_score=None).exists()
    assert Task.objects.filter(kind=Task.Kind.VISIT).count() == summary["scheduled"]["visits"]


def test_the_same_seed_gives_the_same_warnings(county):
    runs = []
    for _ in range(2):
        try:
            with transaction.atomic():
                load_discovery_demo(county, random.Random("2026:discovery"), as_of=AS_OF)
                runs.append(digest(county))
                raise Rollback
        except Rollback:
            pass
    assert runs[0] == runs[1] and len(runs[0]) >= 20


def test_the_demo_can_be_removed_before_the_county(county):
    load_discovery_demo(county, random.Random("2026:discovery"), as_of=AS_OF)
    reset_discovery_demo(county)
    assert not Flag.objects.exists() and not Task.objects.exists()
    assert not CandidatePerson.objects.exists()
