"""The audit log is append-only and hash-chained: ordinary writes are sealed when their
transaction commits and the chain verifies; an entry changed, deleted or reordered behind the
guard's back is named, and so are the newest entries removed with their seals; PostgreSQL refuses
UPDATE, DELETE and TRUNCATE outright; pruning removes only what the retention period lets go and
re-anchors the chain; a pruning or erasure record forged behind the guard's back is not
believed."""

import datetime as dt
import itertools
import os
import subprocess
import sys
from io import StringIO

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.http import HttpResponse
from django.utils import timezone

from bangfu.core import audit_chain
from bangfu.core.audit import log_created
from bangfu.core.audit_chain import seal_pending, verify
from bangfu.core.audit_guard import AppendOnly
from bangfu.core.audit_pruning import erase, prune
from bangfu.core.errors import Refused
from bangfu.core.models import AuditChainHead, AuditPruning, AuditSeal
from bangfu.core.tasks import seal_audit_entries_task
from bangfu.registry.models import Household
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)


def behind_the_guard(sql: str, params=()) -> None:
    """What a database administrator could do: raw SQL, no Django signal; on PostgreSQL the
    trigger is lifted for the transaction as a DBA who knows the flag would."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('bangfu.audit_prune', 'on', true)")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('bangfu.audit_prune', '', true)")


@pytest.fixture
def sealed_entries(django_capture_on_commit_callbacks):
    """A household saved through the ORM (auditlog's own entry) and ten imported in bulk
    (``log_created``), each sealed by its transaction's after-commit hook."""
    importer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        HouseholdFactory()
    with django_capture_on_commit_callbacks(execute=True):
        households = HouseholdFactory.create_batch(10)
        log_created(households, actor=importer, additional_data={"ledger_import": 1})
    return list(LogEntry.objects.order_by("pk"))


def test_ordinary_writes_are_sealed_when_they_commit_and_the_chain_verifies(sealed_entries):
    assert len(sealed_entries) == 21  # the saved household, ten by the factory, ten imported
    assert AuditSeal.objects.count() == 21
    report = verify()
    assert (report.ok, report.checked, report.first_broken, report.unsealed) == (
        True,
        21,
        None,
        0,
    )
    assert report.head_seq == 21
    seals = list(AuditSeal.objects.order_by("seq"))
    assert seals[0].prev_hash == audit_chain.GENESIS
    assert all(b.prev_hash == a.chain_hash for a, b in itertools.pairwise(seals))
    assert {seal.algorithm for seal in seals} == {"sha256"}


def test_one_transaction_registers_one_sealing_however_many_entries_it_writes(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        HouseholdFactory.create_batch(3)
        log_created(Household.objects.all(), actor=None, additional_data={})
    sealings = [c for c in callbacks if isinstance(c, audit_chain._SealAfterCommit)]
    assert len(sealings) == 1
    sealings[0]()
    assert AuditSeal.objects.count() == LogEntry.objects.count() == 6


def test_a_requests_entries_are_sealed_once_its_response_is_sent(
    rf, django_capture_on_commit_callbacks
):
    def view(request):
        with django_capture_on_commit_callbacks(execute=True):
            HouseholdFactory()
        return HttpResponse("家庭档案")

    response = audit_chain.sealed_after_response(view)(rf.get("/staff/households/1/"))
    assert (LogEntry.objects.count(), AuditSeal.objects.count()) == (1, 0)
    # The server has sent it and closes it (as Django's test client does, keeping the test's
    # connection open).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert (LogEntry.objects.count(), AuditSeal.objects.count()) == (1, 1)
    assert verify().ok

    # Outside a request, at once.
    with django_capture_on_commit_callbacks(execute=True):
        HouseholdFactory()
    assert AuditSeal.objects.count() == 2


def test_an_entry_changed_behind_the_guards_back_is_named(sealed_entries, in_english):
    changed = sealed_entries[5]
    behind_the_guard(
        "UPDATE auditlog_logentry SET object_repr = %s WHERE id = %s", ["someone else", changed.pk]
    )
    report = verify()
    assert not report.ok
    assert report.first_broken == changed.pk
    assert report.reason == f"entry #{changed.pk} was changed after it was sealed"
    assert report.checked == 5  # the links before it still hold


def test_a_deleted_entry_is_named_and_so_is_the_gap_its_seal_leaves(sealed_entries, in_english):
    deleted = sealed_entries[3]
    behind_the_guard("DELETE FROM auditlog_logentry WHERE id = %s", [deleted.pk])
    report = verify()
    assert (report.ok, report.first_broken) == (False, deleted.pk)
    assert report.reason == f"entry #{deleted.pk} was deleted"
    # The seal removed too: the chain jumps a number there.
    behind_the_guard("DELETE FROM core_auditseal WHERE entry_id = %s", [deleted.pk])
    report = verify()
    assert report.first_broken == sealed_entries[4].pk
    assert report.reason == "seal #4 is missing: the chain jumps to #5"


def test_reordered_seals_are_named(sealed_entries, in_english):
    for sql in (
        "UPDATE core_auditseal SET seq = 1000000 WHERE seq = 8",
        "UPDATE core_auditseal SET seq = 8 WHERE seq = 9",
        "UPDATE core_auditseal SET seq = 9 WHERE seq = 1000000",
    ):
        behind_the_guard(sql)
    report = verify()
    assert report.first_broken == sealed_entries[8].pk
    assert report.reason == "seal #8 does not follow the seal before it (removed or reordered)"


def test_removing_the_newest_entries_with_their_seals_is_reported(sealed_entries, in_english):
    # The chain alone still links; its recorded head, moved by the sealing, says it ended later.
    assert AuditChainHead.objects.get().seq == 21
    for last in AuditSeal.objects.filter(seq__gte=20):
        behind_the_guard("DELETE FROM core_auditseal WHERE id = %s", [last.pk])
        behind_the_guard("DELETE FROM auditlog_logentry WHERE id = %s", [last.entry_id])
    report = verify()
    assert (report.ok, report.checked, report.first_broken) == (False, 19, None)
    assert report.reason == "entries removed after seal #19: the chain had reached seal #21"
    # Every entry and seal gone, as a TRUNCATE would leave them.
    behind_the_guard("DELETE FROM core_auditseal")
    behind_the_guard("DELETE FROM auditlog_logentry")
    report = verify()
    assert not report.ok and report.checked == 0
    assert report.reason == "entries removed after seal #0: the chain had reached seal #21"
    # And the head's record with them: nothing is left to compare (ops/audit_roles.sql).
    behind_the_guard("DELETE FROM core_auditchainhead")
    assert verify().ok


def test_a_head_record_removed_or_rewritten_is_reported(sealed_entries, in_english):
    behind_the_guard("UPDATE core_auditchainhead SET chain_hash = %s", ["0" * 64])
    assert verify().reason == "seal #21 is not the one the sealing wrote"
    behind_the_guard("DELETE FROM core_auditchainhead")
    report = verify()
    assert not report.ok and report.reason.startswith("the record of the chain's head is missing")
    # Positive control: the next sealing records the head again and the chain verifies.
    log_created(HouseholdFactory.create_batch(1), actor=None, additional_data={})
    assert seal_pending() == 2 and verify().ok and AuditChainHead.objects.get().seq == 23


def test_the_django_guard_refuses_changing_or_deleting_an_entry(sealed_entries, in_english):
    entry = sealed_entries[0]
    entry.object_repr = "rewritten"
    # Each refusal breaks the transaction it happens in, as a database error would.
    with pytest.raises(AppendOnly, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(AppendOnly), transaction.atomic():
        entry.delete()
    with pytest.raises(AppendOnly), transaction.atomic():
        LogEntry.objects.filter(pk__in=[e.pk for e in sealed_entries[:3]]).delete()
    with pytest.raises(AppendOnly), transaction.atomic():
        AuditSeal.objects.first().delete()
    assert LogEntry.objects.count() == 21 and verify().ok
    # Positive control: a new entry is written as usual.
    LogEntry.objects.log_create(entry.actor or UserFactory(), force_log=True, action=3)
    assert LogEntry.objects.count() == 22


def test_a_user_who_acted_in_the_audit_log_is_deactivated_not_deleted(in_english):
    actor, bystander = UserFactory(), UserFactory()
    log_created(HouseholdFactory.create_batch(2), actor=actor, additional_data={})
    seal_pending()
    with pytest.raises(Refused, match="deactivate the account instead"), transaction.atomic():
        actor.delete()
    assert LogEntry.objects.filter(actor=actor).count() == 2 and verify().ok
    # Positive control: someone who never acted goes.
    bystander.delete()


def test_stragglers_are_sealed_by_the_periodic_task(sealed_entries):
    # Entries written in bulk by code that does not ask for their sealing.
    LogEntry.objects.bulk_create(
        [LogEntry(content_type_id=sealed_entries[0].content_type_id, object_pk="1", action=3)]
    )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert verify().unsealed == 1
        assert seal_audit_entries_task.apply().get() == 1
        assert verify().unsealed == 0 and verify().ok
    assert any(
        entry["task"] == "bangfu.core.tasks.seal_audit_entries_task"
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_the_periodic_task_looks_only_a_margin_below_the_newest_sealed_entry(
    sealed_entries, monkeypatch, in_english
):
    monkeypatch.setattr(audit_chain, "RECENT_MARGIN", 5)
    content_type_id = sealed_entries[0].content_type_id
    (old,) = LogEntry.objects.bulk_create(
        [LogEntry(content_type_id=content_type_id, object_pk="1", action=3)]
    )
    log_created(HouseholdFactory.create_batch(3), actor=None, additional_data={})
    assert seal_pending(from_pk=old.pk + 1) == 6  # newer entries, sealed past the margin
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert seal_audit_entries_task.apply().get() == 0
        assert verify(limit=10).unsealed == 0  # the page's partial check looks as far
        assert verify().unsealed == 1  # the whole check finds it
        out = StringIO()
        call_command("audit_verify", "--seal", stdout=out)
        assert "Sealed 1 entries" in out.getvalue() and verify().unsealed == 0
    # Positive control: a straggler within the margin is the task's.
    LogEntry.objects.bulk_create(
        [LogEntry(content_type_id=content_type_id, object_pk="2", action=3)]
    )
    assert seal_audit_entries_task.apply().get() == 1 and verify().ok


def test_a_deployment_on_the_national_algorithms_seals_with_sm3(sealed_entries, settings):
    settings.LOOKUP_HASH_ALGORITHM = "hmac-sm3"
    log_created(HouseholdFactory.create_batch(2), actor=None, additional_data={})
    assert seal_pending() == 4  # the factory's two entries and the import's two
    algorithms = list(AuditSeal.objects.order_by("seq").values_list("algorithm", flat=True))
    assert algorithms == ["sha256"] * 21 + ["sm3"] * 4
    assert verify().ok and verify().checked == 25
    sm3 = AuditSeal.objects.order_by("seq").last()
    behind_the_guard("UPDATE auditlog_logentry SET action = 2 WHERE id = %s", [sm3.entry_id])
    assert verify().first_broken == sm3.entry_id


def test_the_command_reports_and_exits_1_when_broken(sealed_entries, in_english):
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "Checked 21 seals" in out.getvalue() and "verifies" in out.getvalue()
    behind_the_guard("UPDATE auditlog_logentry SET cid = 'x' WHERE id = %s", [sealed_entries[9].pk])
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert f"broken at entry #{sealed_entries[9].pk}" in err.getvalue()


# --- pruning -----------------------------------------------------------------------------------


def age(entries, days: int) -> None:
    """Date entries back, as if written ``days`` ago (before they are sealed)."""
    for entry in entries:
        behind_the_guard(
            "UPDATE auditlog_logentry SET timestamp = %s WHERE id = %s",
            [timezone.now() - dt.timedelta(days=days), entry.pk],
        )


@pytest.fixture
def aged_log(settings):
    """Six entries four years old, three of two years, then four recent; all sealed."""
    settings.AUDIT_RETENTION_DAYS = 3 * 365
    households = HouseholdFactory.create_batch(13)
    factory_entries = list(LogEntry.objects.order_by("pk"))
    log_created(households, actor=None, additional_data={})
    entries = list(LogEntry.objects.filter(pk__gt=factory_entries[-1].pk).order_by("pk"))
    age(factory_entries[:3], 4 * 365)
    age(entries[:6], 4 * 365)
    age(entries[6:9], 2 * 365)
    assert seal_pending() == 26
    return entries


def test_prune_removes_only_what_is_due_and_re_anchors_the_chain(aged_log):
    first_kept = AuditSeal.objects.order_by("seq")[3]  # the first factory entry not aged
    before = verify()
    dry = prune(by="test", dry_run=True)
    assert (dry.entries, dry.last_seq, dry.pruning) == (3, 3, None)
    assert LogEntry.objects.count() == 26 and AuditSeal.objects.count() == 26

    result = prune(by="test")
    # Only the head of the chain goes: the factory's three old entries. The import's six are
    # as old, but sealed after a recent entry: they wait for the next pruning.
    assert result.entries == 3 and result.last_seq == 3
    pruning = AuditPruning.objects.get()
    assert (pruning.kind, pruning.entries, pruning.retention_days) == ("pruning", 3, 3 * 365)
    assert (
        pruning.oldest.date()
        == pruning.newest.date()
        == (timezone.now() - dt.timedelta(days=4 * 365)).date()
    )
    assert AuditSeal.objects.order_by("seq").first() == first_kept
    assert first_kept.prev_hash == pruning.anchor_hash
    # The pruning is itself audited, sealed, and the chain verifies from its new anchor.
    logged = LogEntry.objects.get(additional_data__audit_pruning=pruning.pk)
    assert logged.action == LogEntry.Action.DELETE and logged.additional_data["entries"] == 3
    assert logged.additional_data["last_seq"] == 3 and logged.audit_seal.seq == 27
    assert seal_pending() == 0  # sealed in the pruning's own transaction
    report = verify()
    assert report.ok and report.checked == before.checked - 3 + 1


def test_prune_removes_nothing_within_the_retention_period(settings):
    log_created(HouseholdFactory.create_batch(2), actor=None, additional_data={})
    seal_pending()
    result = prune(by="test")
    assert result.entries == 0 and result.pruning is None
    assert not AuditPruning.objects.exists() and LogEntry.objects.count() == 4


def test_the_prune_command_says_what_it_removed(aged_log, in_english):
    out = StringIO()
    call_command("audit_prune", "--dry-run", stdout=out)
    assert "Would remove 3 entries" in out.getvalue() and not AuditPruning.objects.exists()
    call_command("audit_prune", stdout=out)
    assert "Removed 3 entries" in out.getvalue()
    assert AuditPruning.objects.get().by.startswith("manage.py audit_prune")


def test_a_retention_below_six_months_is_refused(settings):
    settings.AUDIT_RETENTION_DAYS = 179
    with pytest.raises(ImproperlyConfigured, match="at least 180"):
        prune(by="test")
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bangfu.settings",
            "AUDIT_RETENTION_DAYS": "90",
        },
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0 and "AUDIT_RETENTION_DAYS=90" in started.stderr


# --- the demo's erasure ------------------------------------------------------------------------


def test_erased_entries_keep_their_seals_and_the_chain_verifies(sealed_entries, settings):
    erased = erase(
        LogEntry.objects.filter(pk__in=[e.pk for e in sealed_entries[2:6]]),
        by="test",
        reason="demo",
    )
    # The erasure's own entry, sealed in its transaction, lists the seals it erased.
    assert erased == 4 and LogEntry.objects.count() == 18
    assert AuditSeal.objects.filter(erasure__kind="erasure").count() == 4
    own = LogEntry.objects.get(additional_data__audit_erasure__isnull=False)
    assert own.additional_data["seqs"] == [[3, 6]] and own.audit_seal.seq == 22
    report = verify()
    assert report.ok and report.checked == 22 and report.erased == 4

    settings.PRODUCTION = True
    with pytest.raises(Refused):
        erase(LogEntry.objects.all(), by="test", reason="demo")
    assert LogEntry.objects.count() == 18
    # Production erases nothing: erased seals there are of entries deleted.
    assert verify().first_broken == sealed_entries[2].pk


def test_an_entry_deleted_and_passed_off_as_erased_is_named(sealed_entries, in_english):
    erase(LogEntry.objects.filter(pk=sealed_entries[2].pk), by="test", reason="demo")
    erasure = AuditPruning.objects.get(kind="erasure")
    victim = sealed_entries[7]
    behind_the_guard("DELETE FROM auditlog_logentry WHERE id = %s", [victim.pk])
    behind_the_guard(
        "UPDATE core_auditseal SET erasure_id = %s WHERE entry_id = %s", [erasure.pk, victim.pk]
    )
    # The erasure's sealed entry lists seal #3, not #8.
    report = verify()
    assert (report.first_broken, report.reason) == (victim.pk, f"entry #{victim.pk} was deleted")
    assert report.erased == 1  # the real erasure, before it, still holds


def test_a_pruning_forged_behind_the_guards_back_is_not_believed(aged_log, in_english):
    prune(by="test")
    assert verify().ok
    # Someone removes the next three entries and seals, and records a pruning of them.
    cut = AuditSeal.objects.order_by("seq")[2]
    AuditPruning.objects.create(
        kind="pruning", by="test", entries=3, last_seq=cut.seq, anchor_hash=cut.chain_hash
    )
    behind_the_guard(
        "DELETE FROM auditlog_logentry WHERE id IN "
        "(SELECT entry_id FROM core_auditseal WHERE seq <= %s)",
        [cut.seq],
    )
    behind_the_guard("DELETE FROM core_auditseal WHERE seq <= %s", [cut.seq])
    report = verify()
    assert not report.ok and report.first_broken is None
    assert report.reason.startswith("the pruning of") and report.reason.endswith(
        "has no sealed entry of its own in the audit log"
    )


# --- PostgreSQL: the trigger -------------------------------------------------------------------


@pytest.mark.postgres
@postgres_only
def test_postgres_refuses_update_and_delete_of_audit_rows(sealed_entries):
    entry = sealed_entries[0]
    for sql in (
        "UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s",
        "DELETE FROM auditlog_logentry WHERE id = %s",
        "UPDATE core_auditseal SET chain_hash = 'x' WHERE entry_id = %s",
        "DELETE FROM core_auditseal WHERE entry_id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    # QuerySet.update sends no signal: the trigger is what refuses it.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(object_repr="x")
    assert verify().ok
    # Positive controls: an INSERT goes through, and so does the pruning path with its flag.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, "
            "changes_text, timestamp) VALUES (%s, '1', 'x', 3, '', now())",
            [entry.content_type_id],
        )
    behind_the_guard("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s", [entry.pk])
    assert verify().first_broken == entry.pk


@pytest.mark.postgres
@postgres_only
def test_postgres_lets_the_prune_through_and_only_it(aged_log):
    result = prune(by="test")
    assert result.entries == 3 and verify().ok
    assert AuditPruning.objects.count() == 1
    # The flag was transaction-local: the same connection is refused again afterwards.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM auditlog_logentry")


def no_pending_checks() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
@postgres_only
def test_postgres_refuses_truncating_the_audit_tables_and_moving_the_head_back(
    sealed_entries, in_english
):
    tables = ("auditlog_logentry", "core_auditseal", "core_auditpruning", "core_auditchainhead")
    no_pending_checks()  # the test's transaction holds deferred checks, which TRUNCATE refuses
    for table in tables:
        with (
            pytest.raises(DatabaseError, match="append-only: TRUNCATE"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table} CASCADE")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditchainhead SET seq = seq - 1")
    assert LogEntry.objects.count() == 21 and verify().ok
    # Positive controls: the sealing moves the head forward; the flag lets a TRUNCATE through,
    # and the chain left reports what went.
    log_created(HouseholdFactory.create_batch(1), actor=None, additional_data={})
    assert seal_pending() == 2 and AuditChainHead.objects.get().seq == 23
    no_pending_checks()
    behind_the_guard("TRUNCATE auditlog_logentry, core_auditseal")
    assert verify().reason == "entries removed after seal #0: the chain had reached seal #23"


@pytest.mark.postgres
@postgres_only
def test_a_failed_removal_raises_its_own_error(sealed_entries):
    with (
        pytest.raises(DatabaseError, match="no_such_table"),
        audit_chain.chain_locked(),
        audit_chain.removing(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM no_such_table")
    assert verify().ok
