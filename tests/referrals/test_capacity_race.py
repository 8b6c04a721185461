"""Capacity is never over-committed, even with many acceptances at the same instant.

Run on PostgreSQL (row locks are the point), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_ref pytest -m postgres tests/referrals``.

Each round sends ``N`` referrals to one provider of capacity ``K`` and has ``N`` threads accept
them at once, released together by a barrier. Three versions:

- as shipped (provider row locked, slot index in place): exactly ``K`` succeed, every other
  thread gets ``CapacityFull``'s message;
- without the lock and without the slot index: the harness must see over-commitment at least
  once, which proves it can catch the race at all;
- without the lock but with the slot index: collisions surface as IntegrityError and the
  provider still never holds more than ``K`` cases: the database backs the rule on its own.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection

from bangfu.referrals import selectors, services
from bangfu.referrals.errors import CapacityFull
from bangfu.referrals.models import IntakeCase, Referral
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory, StationFactory

pytestmark = pytest.mark.postgres

N, K = 12, 3
SLOT_INDEX = "referral_station_slot_unique"


@pytest.fixture
def committed_db(pristine_db, transactional_db, django_db_serialized_rollback):
    """Rows the threads can see (committed); the migrations' data restored first, flushed after.

    Listed first in each test, before any fixture that touches the database (tests/conftest.py,
    ``pristine_db``).
    """


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")


def send_round(*, desk, place, station_staff_user, number: int) -> tuple[object, list[Referral]]:
    """A fresh station of capacity K with N referrals waiting for its answer."""
    from bangfu.accounts.models import Membership
    from tests.factories import member_of

    station = StationFactory(
        organisation__region=place["town"],
        organisation__name=f"竞态社工站{number}",
        capacity=K,
    )
    member_of(station_staff_user, station.organisation, Membership.Role.STATION_STAFF)
    station_staff_user._bangfu_scope = None
    referrals = []
    for _ in range(N):
        household = HouseholdFactory(region=place["village"])
        MemberFactory(household=household)
        intake = services.intake_open(
            by=desk, source=IntakeCase.Source.VISIT, need=NeedFactory(household=household)
        )
        referrals.append(
            services.referral_send(intake=intake, provider=("station", station.pk), by=desk)
        )
    return station, referrals


def accept_all_at_once(referrals, user) -> Counter:
    barrier = threading.Barrier(len(referrals))

    def accept(referral) -> str:
        try:
            barrier.wait()
            services.referral_accept(referral=referral, by=user)
            return "accepted"
        except CapacityFull:
            return "full"
        except IntegrityError:
            return "collision"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(referrals)) as pool:
        return Counter(pool.map(accept, referrals))


def holding(station) -> int:
    return selectors.holding_count(("station", station.pk))


@contextmanager
def without_the_lock(monkeypatch):
    """Read the provider without FOR UPDATE: counting and claiming a slot can now interleave."""

    def unlocked(referral):
        kind, pk = referral.provider_key
        return selectors.PROVIDER_MODELS[kind].objects.get(pk=pk)

    monkeypatch.setattr(services, "lock_provider", unlocked)
    yield


@contextmanager
def without_the_slot_index():
    constraint = next(c for c in Referral._meta.constraints if c.name == SLOT_INDEX)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Referral, constraint)
    try:
        yield
    finally:
        # The over-committed rows share slots: take them out of their slots so the index fits.
        Referral.objects.filter(slot__isnull=False).update(
            status=Referral.Status.REVOKED, slot=None
        )
        with connection.schema_editor() as editor:
            editor.add_constraint(Referral, constraint)


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="race_staff")


def test_exactly_k_of_many_simultaneous_acceptances_succeed(
    committed_db, engine, desk, place, staff_user
):
    for number in range(3):
        station, referrals = send_round(
            desk=desk, place=place, station_staff_user=staff_user, number=number
        )
        started = time.perf_counter()
        outcome = accept_all_at_once(referrals, staff_user)
        print(f"locked: {dict(outcome)} in {time.perf_counter() - started:.2f}s")
        assert outcome == Counter(accepted=K, full=N - K)
        assert holding(station) == K
        slots = sorted(
            Referral.objects.filter(station=station).holding().values_list("slot", flat=True)
        )
        assert slots == list(range(1, K + 1))


def test_the_full_message_says_why(committed_db, engine, desk, place, staff_user):
    _station, referrals = send_round(
        desk=desk, place=place, station_staff_user=staff_user, number=9
    )
    for referral in referrals[:K]:
        services.referral_accept(referral=referral, by=staff_user)
    with pytest.raises(CapacityFull, match=f"{K} open cases of {K}"):
        services.referral_accept(referral=referrals[K], by=staff_user)


def test_without_the_lock_and_the_index_the_harness_sees_over_commitment(
    committed_db, engine, desk, place, staff_user, monkeypatch
):
    observed = []
    with without_the_lock(monkeypatch), without_the_slot_index():
        for number in range(20):
            station, referrals = send_round(
                desk=desk, place=place, station_staff_user=staff_user, number=number
            )
            accept_all_at_once(referrals, staff_user)
            observed.append(holding(station))
            if max(observed) > K:
                break
    print(f"unlocked, unindexed: open cases per round {observed} (capacity {K})")
    assert max(observed) > K


def test_without_the_lock_the_slot_index_still_refuses_over_commitment(
    committed_db, engine, desk, place, staff_user, monkeypatch
):
    observed, collisions = [], 0
    with without_the_lock(monkeypatch):
        for number in range(10):
            station, referrals = send_round(
                desk=desk, place=place, station_staff_user=staff_user, number=number
            )
            outcome = accept_all_at_once(referrals, staff_user)
            collisions += outcome["collision"]
            observed.append(holding(station))
    print(f"unlocked, indexed: open cases per round {observed}, collisions {collisions}")
    assert max(observed) <= K
    assert collisions > 0
