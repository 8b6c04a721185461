"""Twenty staff members allocate the same offer at once: it is never over-committed
(PostgreSQL). The same harness runs an allocation without the row lock and must see it
over-commit, proof that the harness can catch the race at all. On SQLite these tests are
skipped (SQLite serialises writers, so there is no race to see)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from bangfu.offers import services
from bangfu.offers.models import Allocation, Offer
from tests.factories import OfferFactory

THREADS = 20
QUANTITY = 5
REPETITIONS = 5

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL (set DATABASE_URL)")


def allocate_without_lock(*, offer: Offer, need, by) -> Allocation:
    """Count what is left, then write: two requests can both see the last unit free."""
    with transaction.atomic():
        offer = Offer.objects.get(pk=offer.pk)
        if offer.remaining_units() < offer.units_per_household:
            raise services.OfferExhausted(offer)
        time.sleep(0.02)  # the moment between the check and the write
        return Allocation.objects.create(
            offer=offer,
            need=need,
            household=need.household,
            units=offer.units_per_household,
            amount=offer.amount_per_household,
            allocated_by=by,
        )


def allocate_at_once(allocate, offer, needs, by) -> dict[str, int]:
    barrier = threading.Barrier(len(needs))
    outcomes: list[str] = []

    def run(need):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            allocate(offer=offer, need=need, by=by)
            outcomes.append("allocated")
        except services.OfferExhausted:
            outcomes.append("exhausted")
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(need,)) for need in needs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return {outcome: outcomes.count(outcome) for outcome in set(outcomes)}


def repeat(allocate, charity, make_need, by) -> list[tuple[dict, int]]:
    needs = [make_need() for _ in range(THREADS)]
    results = []
    for _ in range(REPETITIONS):
        offer = OfferFactory(charity=charity, quantity=QUANTITY)
        outcomes = allocate_at_once(allocate, offer, needs, by)
        results.append((outcomes, Allocation.objects.filter(offer=offer).count()))
    return results


def test_twenty_simultaneous_allocations_take_exactly_the_quantity(
    crowd, charity, make_need, bureau_staff
):
    results = repeat(services.allocation_confirm, charity, make_need, bureau_staff)
    print(f"\nlocked: allocations per repetition {[n for _o, n in results]} of {QUANTITY}")
    for outcomes, allocated in results:
        assert outcomes == {"allocated": QUANTITY, "exhausted": THREADS - QUANTITY}
        assert allocated == QUANTITY


def test_the_harness_catches_an_allocation_without_the_lock(
    crowd, charity, make_need, bureau_staff
):
    results = repeat(allocate_without_lock, charity, make_need, bureau_staff)
    print(f"\nwithout lock: allocations per repetition {[n for _o, n in results]} of {QUANTITY}")
    assert any(allocated > QUANTITY for _outcomes, allocated in results)
