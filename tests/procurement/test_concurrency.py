"""Fifty managers approve at once, county and township projects against the county's one cap:
the committed total never passes it (PostgreSQL).

The same harness runs a naive approval (read the cap, check, write the sum back; no row lock,
no F()) and must see it over-commit: proof that the harness can catch the race at all.
Run with DATABASE_URL=postgres://…; on SQLite these tests are skipped (SQLite serialises
writers, so there is no race to see).
"""

import random
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone

from bangfu.core import publications
from bangfu.procurement import services
from bangfu.procurement.models import LedgerEntry, ProcurementCap, Project, ProjectTransition

THREADS = 50
# Twenty rounds of fifty at once: the naive approval below over-committed in every one of 100
# rounds when measured (all fifty approved, 93,000.00 against 40,000.00), so twenty rounds give
# the locked approval a thousand contended approvals to get wrong, at a fifth of the time.
REPETITIONS = 20

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _public_site_aside(monkeypatch):
    """The race is the cap's: the public site hears of each approval only after its commit,
    outside the lock, and in production through a worker, not in the approving thread."""
    monkeypatch.setattr(publications, "on_published", [])


@pytest.fixture
def contenders(funded, county_a, submitted):
    """Fifty submitted projects of 500 to 3,000 yuan against a 40,000.00 cap (~87,000 asked),
    every other one bought by a township of the county, under the same cap."""
    town = county_a[1]
    amounts = random.Random(2026).choices(range(500, 3001, 250), k=THREADS)
    return [
        submitted(quantity="1", unit_price=str(amount), region=town if index % 2 else funded)
        for index, amount in enumerate(amounts)
    ]


def approve_without_lock(*, project: Project, by) -> Project:
    """The approval as it is often first written: a plain read, a check, an absolute write.

    Two managers can both read the same committed total, both see room, and both write
    "what I read + my amount": the second write silently drops the first (a lost update), so
    the stored total stays under the cap and no constraint ever sees the overdraft, while the
    approved projects add up to more than the cap.
    """
    with transaction.atomic():
        project = Project.objects.select_related("region").get(pk=project.pk)
        unit = services.fiscal_unit(project.region, project.year)
        cap = ProcurementCap.objects.get(region=unit, year=project.year)
        headroom = cap.cap_amount - cap.committed_total
        if project.amount > headroom:
            raise services.CapExceeded(cap=cap, amount=project.amount, headroom=headroom)
        LedgerEntry.objects.create(
            project=project,
            cap=cap,
            kind=LedgerEntry.Kind.COMMITMENT,
            amount=project.amount,
            booked_on=timezone.localdate(),
            by=by,
        )
        ProcurementCap.objects.filter(pk=cap.pk).update(
            committed_total=cap.committed_total + project.amount
        )
        Project.objects.filter(pk=project.pk).update(status=Project.Status.APPROVED)
        return project


def approve_at_once(approve, projects, manager) -> dict[str, int]:
    """Start one thread per project, hold them at a barrier, let them all approve at once."""
    barrier = threading.Barrier(len(projects))
    outcomes: list[str] = []

    def run(project):
        try:
            connection.ensure_connection()  # connect first, so the barrier releases real work
            barrier.wait(timeout=60)
            approve(project=project, by=manager)
            outcomes.append("approved")
        except services.CapExceeded:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return {outcome: outcomes.count(outcome) for outcome in set(outcomes)}


def reset(cap: ProcurementCap) -> None:
    LedgerEntry.objects.all().delete()
    ProjectTransition.objects.filter(to_status=Project.Status.APPROVED).delete()
    Project.objects.update(status=Project.Status.SUBMITTED)
    ProcurementCap.objects.filter(pk=cap.pk).update(committed_total=Decimal("0"))


def approved_total() -> Decimal:
    approved = Project.objects.filter(status=Project.Status.APPROVED)
    return approved.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def run_repetitions(approve, contenders, manager, funded):
    cap = ProcurementCap.objects.get(region=funded)
    results = []
    started = time.perf_counter()
    for _ in range(REPETITIONS):
        reset(cap)
        outcomes = approve_at_once(approve, contenders, manager)
        cap.refresh_from_db()
        committed = LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        refused_amounts = list(
            Project.objects.filter(status=Project.Status.SUBMITTED).values_list("amount", flat=True)
        )
        results.append(
            {
                "outcomes": outcomes,
                "approved_total": approved_total(),
                "ledger_total": committed,
                "stored_total": cap.committed_total,
                "cap": cap.cap_amount,
                "refused_amounts": refused_amounts,
            }
        )
    return results, time.perf_counter() - started


def describe(label, results, seconds):
    approvals = [r["outcomes"].get("approved", 0) for r in results]
    over = sum(r["approved_total"] > r["cap"] for r in results)
    print(
        f"\n{label}: {len(results)} repetitions × {THREADS} threads in {seconds:.1f} s; "
        f"approvals per repetition min {min(approvals)} / max {max(approvals)}; "
        f"over-committed in {over} repetitions; "
        f"worst approved total {max(r['approved_total'] for r in results)} vs cap "
        f"{results[0]['cap']}"
    )


@pytest.mark.long
def test_fifty_simultaneous_approvals_never_exceed_the_cap(crowd, contenders, manager, funded):
    results, seconds = run_repetitions(services.project_approve, contenders, manager, funded)
    describe("locked approval", results, seconds)
    # Both kinds of buyer won approvals: the township's counted against the county's cap.
    approved_regions = set(
        Project.objects.filter(status=Project.Status.APPROVED).values_list("region", flat=True)
    )
    assert len(approved_regions) == 2
    assert ProcurementCap.objects.count() == 1
    for result in results:
        assert set(result["outcomes"]) <= {"approved", "refused"}, result["outcomes"]
        assert result["approved_total"] <= result["cap"]
        # Nothing lost either way: the stored total is exactly what the ledger committed.
        assert result["stored_total"] == result["ledger_total"] == result["approved_total"]
        # And no room was wasted: every refused project asked for more than was left at the end.
        headroom = result["cap"] - result["stored_total"]
        assert all(amount > headroom for amount in result["refused_amounts"])


def test_the_same_race_without_the_lock_over_commits(crowd, contenders, manager, funded):
    results, seconds = run_repetitions(approve_without_lock, contenders, manager, funded)
    describe("naive approval (no lock, no F())", results, seconds)
    over_committed = [r for r in results if r["approved_total"] > r["cap"]]
    # The harness catches the race: the naive approval over-commits at least once...
    assert over_committed
    # ...while its stored total, silently losing updates, never looked over the cap.
    assert all(r["stored_total"] <= r["cap"] for r in results)
