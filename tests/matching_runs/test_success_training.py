"""Training the success model on closed referrals, and the engine using what it learned."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from bangfu.matching_runs.engine import success_model
from bangfu.matching_runs.ranking import rank_need
from bangfu.referrals.models import IntakeCase, Referral
from tests.matching_runs.conftest import household_with_need

pytestmark = pytest.mark.django_db


def close_referral(need, *, provider, completed: bool, by):
    intake = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=need.household.region,
        need=need,
        status=IntakeCase.Status.CLOSED,
        opened_by=by,
    )
    return Referral.objects.create(
        intake=intake,
        need=need,
        provider=provider,
        status=Referral.Status.COMPLETED if completed else Referral.Status.DECLINED,
        decline_reason="" if completed else Referral.DeclineReason.FULL,
        sent_by=by,
        accept_due_at=timezone.now() + dt.timedelta(days=2),
    )


@pytest.fixture
def history(county, providers, bureau):
    """Closed referrals where the near station mostly completes and the far one mostly fails."""
    _region, _t1, village1, _t2, village2 = county
    station1, station2, _volunteer = providers
    rng = random.Random(3)
    for i in range(40):
        village, station, rate = (village1, station1, 0.9) if i % 2 else (village2, station2, 0.2)
        need = household_with_need(village, seq=i)
        close_referral(need, provider=station.provider, completed=rng.random() < rate, by=bureau)


def test_with_few_outcomes_the_model_predicts_the_prior(county, history, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("train_success_model", county[0].code, "--min-outcomes", "300")
    model = success_model()
    assert model.is_prior_
    assert model.n_outcomes_ == 40


def test_a_trained_model_is_saved_versioned_and_used_by_the_engine(
    county, history, settings, tmp_path, capsys
):
    settings.VAR_DIR = tmp_path
    call_command("train_success_model", county[0].code, "--min-outcomes", "20")
    out = capsys.readouterr().out
    assert "AUC" in out and "Brier" in out
    assert (tmp_path / "models" / "success" / "success-v0001.joblib").exists()
    call_command("train_success_model", county[0].code, "--min-outcomes", "20")
    assert (tmp_path / "models" / "success" / "success-v0002.joblib").exists()
    assert not success_model().is_prior_

    village1 = county[2]
    ranked = rank_need(need=household_with_need(village1, seq=99))
    # The learned chance replaces the flat prior the engine uses without a model (0.7).
    assert ranked[0].components["success"] != pytest.approx(0.7, abs=1e-3)
