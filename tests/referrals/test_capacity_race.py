"""Capacity is never over-committed, even with many acceptances at the same instant.

Run on PostgreSQL (row locks are the point), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_ref pytest -m postgres tests/referrals``.

Each round sends ``N`` referrals of ``N`` households to one provider of capacity ``K`` and has
``N`` threads accept them at once, released together by a barrier. The provider is a station of
capacity ``K``, or a procured project whose contract pays for ``K`` households (its quota,
counted in households under the provider's row lock). Three versions:

- as shipped (provider row locked, slot index in place): exactly ``K`` succeed, every other
  thread gets ``CapacityFull``'s message (``QuotaUsedUp``'s, for a project);
- without the lock (and, for a station, without the slot index): the harness must see
  over-commitment at least once, which proves it can catch the race at all;
- for a station, without the lock but with the slot index: collisions surface as IntegrityError
  and the station still never holds more than ``K`` cases: the database backs the rule on its
  own. A project's referrals hold no slot (its quota counts households, one for two needs of
  the same household), so for a project the lock is the rule.

A project also counts households it delivered to outside any referral: the last test gives a
project ``K - 1`` of them and slows each claim down; exactly one more household is accepted.
"""

import datetime as dt
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.scoping import forget_scope
from bangfu.procurement import services as procurement
from bangfu.providers import kinds
from bangfu.providers.models import Provider
from bangfu.referrals import selectors, services
from bangfu.referrals.errors import CapacityFull, QuotaUsedUp
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.services import answers
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    StationFactory,
    member_of,
)
from tests.referrals.projects import buyer_of

pytestmark = pytest.mark.postgres

N, K = 12, 3
SLOT_INDEX = {"station": "referral_provider_slot_unique"}
# What a thread refused for want of room hears: the station is full, the project's quota used up.
REFUSED = {"station": "full", "project": "quota"}


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")


@pytest.fixture(params=["station", "project"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def send_round(kind, desk, place, staff_user):
    """``send_round(number)``: a fresh provider of capacity K (a station, or a project buying
    for K households) with N referrals of N households waiting for its answer.

    ``served_before`` (projects only): households the bureau already recorded a delivery of the
    project to. They count in its quota but hold no slot.
    """
    if kind == "project":
        year = timezone.localdate().year
        buyer = buyer_of(place["county"], years=(year,))
        agency = OrganisationFactory(
            kind=Organisation.Kind.AGENCY, name="竞态社会工作服务中心", region=place["county"]
        )
        member_of(staff_user, agency, Membership.Role.AGENCY_STAFF)
        contract = {"starts_on": dt.date(year, 1, 1), "ends_on": dt.date(year, 12, 31)}

    def send(number: int, served_before: int = 0) -> tuple[Provider, list[Referral]]:
        if kind == "station":
            station = StationFactory(
                organisation__region=place["town"],
                organisation__name=f"竞态社工站{number}",
                capacity=K,
            )
            member_of(staff_user, station.organisation, Membership.Role.STATION_STAFF)
            provider = station.provider
        else:
            project = buyer.project(
                agency=agency, name=f"竞态项目{number}", target_households=K, **contract
            )
            provider = project.provider
            for _ in range(served_before):
                household = HouseholdFactory(region=place["village"])
                procurement.delivery_record(
                    project=project,
                    by=buyer.staff,
                    line=project.lines.get(),
                    delivered_on=timezone.localdate(),
                    quantity=Decimal("1"),
                    household=household,
                )
        forget_scope(staff_user)
        referrals = []
        for _ in range(N):
            household = HouseholdFactory(region=place["village"])
            MemberFactory(household=household)
            intake = services.intake_open(
                by=desk, source=IntakeCase.Source.VISIT, need=NeedFactory(household=household)
            )
            referrals.append(
                services.referral_send(intake=intake, provider_id=provider.pk, by=desk)
            )
        return provider, referrals

    return send


def accept_all_at_once(referrals, user) -> Counter:
    barrier = threading.Barrier(len(referrals))

    def accept(referral) -> str:
        try:
            barrier.wait()
            services.referral_accept(referral=referral, by=user)
            return "accepted"
        except QuotaUsedUp:
            return "quota"
        except CapacityFull:
            return "full"
        except IntegrityError:
            return "collision"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(referrals)) as pool:
        return Counter(pool.map(accept, referrals))


def taken(provider: Provider) -> int:
    """What the provider's capacity counts: a station's open cases, a project's households."""
    if provider.kind == "project":
        return len(kinds.quota_households([provider.pk])[provider.pk])
    return selectors.holding_count(provider.pk)


@contextmanager
def without_the_lock(monkeypatch):
    """Read the provider without FOR UPDATE: counting and claiming a slot can now interleave."""

    def unlocked(referral):
        return Provider.objects.get(pk=referral.provider_id)

    monkeypatch.setattr(answers, "lock_provider", unlocked)
    yield


@contextmanager
def without_the_slot_index(kind: str):
    if kind not in SLOT_INDEX:
        yield  # a project's referrals hold no slot
        return
    constraint = next(c for c in Referral._meta.constraints if c.name == SLOT_INDEX[kind])
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
    crowd, engine, send_round, kind, staff_user
):
    for number in range(3):
        provider, referrals = send_round(number)
        started = time.perf_counter()
        outcome = accept_all_at_once(referrals, staff_user)
        print(f"{kind}, locked: {dict(outcome)} in {time.perf_counter() - started:.2f}s")
        assert outcome == Counter({"accepted": K, REFUSED[kind]: N - K})
        assert taken(provider) == K
        slots = list(
            Referral.objects.for_provider(provider.pk).holding().values_list("slot", flat=True)
        )
        if kind == "station":
            assert sorted(slots) == list(range(1, K + 1))
        else:
            assert slots == [None] * K  # a project counts households, not slots


@pytest.mark.parametrize(
    "kind, message",
    [("station", f"{K} open cases of {K}"), ("project", f"{K} of {K} households")],
)
def test_the_full_message_says_why(committed, engine, send_round, staff_user, message):
    _provider, referrals = send_round(9)
    for referral in referrals[:K]:
        services.referral_accept(referral=referral, by=staff_user)
    with pytest.raises(CapacityFull, match=message):
        services.referral_accept(referral=referrals[K], by=staff_user)


def test_without_the_lock_the_harness_sees_over_commitment(
    crowd, engine, send_round, kind, staff_user, monkeypatch
):
    observed = []
    with without_the_lock(monkeypatch), without_the_slot_index(kind):
        for number in range(20):
            provider, referrals = send_round(number)
            accept_all_at_once(referrals, staff_user)
            observed.append(taken(provider))
            if max(observed) > K:
                break
    print(f"{kind}, unlocked, unindexed: taken per round {observed} (capacity {K})")
    assert max(observed) > K


@pytest.mark.parametrize("kind", ["station"])
def test_without_the_lock_the_slot_index_still_refuses_over_commitment(
    crowd, engine, send_round, kind, staff_user, monkeypatch
):
    observed, collisions = [], 0
    with without_the_lock(monkeypatch):
        for number in range(10):
            provider, referrals = send_round(number)
            outcome = accept_all_at_once(referrals, staff_user)
            collisions += outcome["collision"]
            observed.append(taken(provider))
    print(f"{kind}, unlocked, indexed: taken per round {observed}, collisions {collisions}")
    assert max(observed) <= K
    assert collisions > 0


@pytest.fixture
def slow_claims(monkeypatch):
    """``slow_claims(referrals)``: after its quota check, the i-th acceptance waits i × 20 ms
    before it is accepted: a wide window for any acceptance that is not queued by the lock."""
    check = answers.check_quota

    def widen(referrals):
        delay = {referral.pk: i * 0.02 for i, referral in enumerate(referrals)}

        def check_then_wait(provider, quota, referral):
            check(provider, quota, referral)
            time.sleep(delay[referral.pk])

        monkeypatch.setattr(answers, "check_quota", check_then_wait)

    return widen


@pytest.mark.parametrize("kind", ["project"])
def test_a_project_with_one_household_left_in_its_quota_takes_exactly_one(
    crowd, engine, send_round, staff_user, slow_claims
):
    for number in range(3):
        provider, referrals = send_round(number, served_before=K - 1)
        slow_claims(referrals)
        outcome = accept_all_at_once(referrals, staff_user)
        print(f"project, locked, {K - 1} served before: {dict(outcome)}")
        assert outcome == Counter(accepted=1, quota=N - 1)
        assert taken(provider) == K
