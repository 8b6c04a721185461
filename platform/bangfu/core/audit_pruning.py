"""Removing audit entries, the only two ways there are, each recorded by an ``AuditPruning``.

- ``prune``: the entries older than ``AUDIT_RETENTION_DAYS`` (the Cybersecurity Law asks for six
  months at least; the default is three years) go with their seals. Only a head of the chain can
  go: the first seal whose entry is still within the retention period stops the pruning, and an
  older entry sealed after it waits for the next one. The record keeps the chain hash of the last
  seal removed; the first seal that stays links to it, and ``verify`` checks that link.
- ``erase``: the demo's reset removes the entries about the made-up county it is deleting. Their
  seals stay in the chain, pointing at the record, so the chain still verifies and says how many
  entries were erased. Refused in production.

Both run under the chain's lock, with the append-only guard lifted for their transaction alone,
and write an audit entry of their own, sealed in the same transaction, saying what they removed:
the pruning its last seal and anchor, the erasure the seals it erased. ``verify`` trusts a
record only as far as that sealed entry confirms it.
"""

import datetime as dt
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.audit_chain import chain_locked, removing, seal_pending
from bangfu.core.errors import Refused
from bangfu.core.models import AuditPruning, AuditSeal

MIN_RETENTION_DAYS = 180


def retention_days() -> int:
    days = settings.AUDIT_RETENTION_DAYS
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS={days}: audit entries are kept at least "
            f"{MIN_RETENTION_DAYS} days (six months, Cybersecurity Law art. 21)."
        )
    return days


@dataclass(frozen=True)
class PruneResult:
    entries: int
    cutoff: dt.datetime
    oldest: dt.datetime | None
    newest: dt.datetime | None
    last_seq: int | None
    anchor_hash: str
    pruning: AuditPruning | None  # None on a dry run or when nothing was due


def prune(*, by: str, dry_run: bool = False) -> PruneResult:
    """Remove the head of the chain whose entries are past the retention period."""
    days = retention_days()
    cutoff = timezone.now() - dt.timedelta(days=days)
    with chain_locked():
        seal_pending()
        kept = (
            AuditSeal.objects.filter(entry__timestamp__gte=cutoff)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        due = AuditSeal.objects.all() if kept is None else AuditSeal.objects.filter(seq__lt=kept)
        last = due.order_by("-seq").values("seq", "chain_hash").first()
        if last is None:
            return PruneResult(0, cutoff, None, None, None, "", None)
        entries = LogEntry.objects.filter(pk__in=due.values("entry_id"))
        span = entries.aggregate(oldest=Min("timestamp"), newest=Max("timestamp"))
        result = PruneResult(
            entries=entries.count(),
            cutoff=cutoff,
            oldest=span["oldest"],
            newest=span["newest"],
            last_seq=last["seq"],
            anchor_hash=last["chain_hash"],
            pruning=None,
        )
        if dry_run:
            return result
        with removing():
            pruning = AuditPruning.objects.create(
                kind=AuditPruning.Kind.PRUNING,
                by=by,
                reason=_("older than %(days)s days") % {"days": days},
                retention_days=days,
                entries=result.entries,
                oldest=result.oldest,
                newest=result.newest,
                last_seq=result.last_seq,
                anchor_hash=result.anchor_hash,
            )
            log, seals = _table(LogEntry), _table(AuditSeal)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {log} WHERE id IN (SELECT entry_id FROM {seals} WHERE seq <= %s)",
                    [last["seq"]],
                )
                cursor.execute(f"DELETE FROM {seals} WHERE seq <= %s", [last["seq"]])
        _log(pruning, last_seq=pruning.last_seq, anchor_hash=pruning.anchor_hash)
        seal_pending()
        return PruneResult(**{**result.__dict__, "pruning": pruning})


def erase(entries: QuerySet, *, by: str, reason: str) -> int:
    """Delete ``entries``, leaving their seals in the chain as erased; returns how many went.
    For the demo's reset alone: refused in production."""
    if settings.PRODUCTION:
        raise Refused(_("Audit entries are never erased in production, only pruned by age."))
    with chain_locked():
        seal_pending()
        ids = list(entries.values_list("pk", flat=True))
        if not ids:
            return 0
        with removing():
            record = AuditPruning.objects.create(
                kind=AuditPruning.Kind.ERASURE, by=by, reason=reason, entries=len(ids)
            )
            seqs = []
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                seals = AuditSeal.objects.filter(entry_id__in=chunk)
                seqs += seals.values_list("seq", flat=True)
                seals.update(erasure=record)
                LogEntry.objects.filter(pk__in=chunk).delete()
        _log(record, audit_erasure=record.pk, seqs=spans(seqs))
        seal_pending()
    return len(ids)


def spans(numbers: list[int]) -> list[list[int]]:
    """Sorted numbers as runs ``[first, last]``: [1, 2, 3, 7] → [[1, 3], [7, 7]]."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return runs


def _log(record: AuditPruning, **said) -> None:
    """The removal is itself an audit entry, sealed in the removal's transaction."""
    LogEntry.objects.log_create(
        record,
        force_log=True,
        action=LogEntry.Action.DELETE,
        additional_data={
            "audit_pruning": record.pk,
            "by": record.by,
            "entries": record.entries,
            **said,
        },
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
