"""Two desks taking the same need into their cases at the same instant: one gets it, the other
hears that the need already has a case (a form error, not a server error).

Run on PostgreSQL (row locks are the point), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_ref pytest -m postgres tests/referrals``.
Each case's candidates are counted slowly after the need is attached: without the need's row
lock, the second desk finds no open case for it and runs into the database's unique index.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.utils import translation

from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.services import intake as intake_services

pytestmark = pytest.mark.postgres

ALREADY = "This need already has an open intake case."


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")


@pytest.fixture
def slow_candidates(monkeypatch):
    """Counting a case's candidates (after the need is attached, before the commit) takes a
    while: a wide window for a second desk that is not queued by a lock."""
    check = intake_services.check_candidates

    def check_slowly(intake, at):
        check(intake, at)
        time.sleep(0.3)

    monkeypatch.setattr(intake_services, "check_candidates", check_slowly)


def attach_at_once(cases, need, by) -> Counter:
    barrier = threading.Barrier(len(cases))

    def attach(intake) -> str:
        try:
            barrier.wait()
            with translation.override("en"):  # each thread has its own language
                services.intake_attach_need(intake=intake, need=need, by=by)
            return "attached"
        except ValidationError as error:
            return "already" if error.message_dict == {"need": [ALREADY]} else str(error)
        except IntegrityError:
            return "collision"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        return Counter(pool.map(attach, cases))


def test_two_desks_taking_one_need_at_once_get_it_once_and_a_clear_refusal(
    committed, engine, desk, household, need, slow_candidates
):
    cases = [
        services.intake_open(
            by=desk,
            source=IntakeCase.Source.WALK_IN,
            household=household,
            description=f"来窗口询问照料 {number}",
        )
        for number in range(2)
    ]

    outcome = attach_at_once(cases, need, desk)

    assert outcome == Counter(attached=1, already=1)
    assert IntakeCase.objects.filter(need=need).count() == 1
