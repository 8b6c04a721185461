"""The audit log's hash chain: each django-auditlog entry gets a seal (``AuditSeal``) holding the
hash of the entry's content and the hash of that with the previous seal's, so that changing,
removing or reordering an entry breaks every link after it, and ``verify`` names the first.

- **Sealing** appends the unsealed entries in primary-key order, one sealer at a time (a
  PostgreSQL advisory lock held to the end of its transaction; on SQLite the database's write
  lock, taken before the chain's head is read). It runs right after the transaction
  that wrote entries commits (``seal_on_commit``, one per transaction: the ``post_save`` receiver
  of ``audit_guard`` and ``log_created`` call it), or, in a request, once its response is sent
  (``sealed_after_response``: the entries are committed by then, and neither the lock nor the
  sealing's queries keep the user waiting), and every few minutes for stragglers
  (``seal_audit_entries_task``: a sealing that failed, entries written in bulk elsewhere).
- **Hashes**: SHA-256, or SM3 when ``LOOKUP_HASH_ALGORITHM`` is ``hmac-sm3`` (a deployment on
  the national algorithms); each seal records its algorithm, so a chain may mix them. The content
  hashed is a fixed list of the entry's fields as canonical JSON (``canonical``).
- **Anchor**: the first seal links to 64 zeros, or, after a pruning, to the chain hash of the last
  seal it removed (``AuditPruning.anchor_hash``, see ``audit_pruning``). Each pruning and each
  erasure writes an entry of its own, sealed in its transaction, saying what it removed; a record
  that no such sealed entry confirms does not count (``_prunings_problem``, ``_Erasures``).
- **Head**: the sealing moves ``AuditChainHead`` (one row) to its newest seal in the same
  transaction, so the newest entries removed with their seals (or the tables truncated) leave a
  chain that ends before its recorded head, which ``verify`` reports.

What a chain kept in the same database cannot show: every audit table rewritten together by
someone who may bypass the trigger, the head row included; in production the application's
database role may not (``ops/audit_roles.sql``). ``verify`` reports the head (``head_seq``,
``head_hash``; ``audit_verify`` prints them): writing them down elsewhere now and then closes
that gap too.
"""

import datetime as dt
import hashlib
import json
import logging
from bisect import bisect_right
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.crypto import HMAC_SM3
from bangfu.core.models import AuditChainHead, AuditPruning, AuditSeal

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
BATCH_SIZE = 2000
# An entry unsealed for longer than this is reported: its sealing failed or has not run yet.
UNSEALED_GRACE = dt.timedelta(minutes=1)
# The periodic sealing, and the count of unsealed entries on a partial check, look this many
# entries below the newest sealed one, not through the whole table: an entry whose transaction
# committed after as many newer ones were sealed is left to ``audit_verify --seal``.
RECENT_MARGIN = 10_000
HEAD_PK = 1
# The advisory lock of the sealers (any 64-bit number no other code uses): "bangfu:s" in ASCII.
ADVISORY_LOCK = 0x62616E6766753A73
# The entry's fields that are hashed, in this order. Fixed, not read from the model: a field a
# later django-auditlog adds must not change the hash of the entries sealed before it.
FIELDS = (
    "id",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
)

# Set while audit_pruning removes entries on purpose: the Django guard lets it through.
_removing: ContextVar[bool] = ContextVar("audit_removing", default=False)
# The sealings the request being answered asked for, by the lowest entry of each
# (``sealed_after_response``); None outside a request.
_after_response: ContextVar[list[int] | None] = ContextVar("audit_after_response", default=None)


# --- hashing ----------------------------------------------------------------------------------


def current_algorithm() -> str:
    """The algorithm new seals use: SM3 on a deployment that chose the national algorithms."""
    return "sm3" if getattr(settings, "LOOKUP_HASH_ALGORITHM", "") == HMAC_SM3 else "sha256"


def digest(algorithm: str, data: bytes) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def canonical(values: dict) -> bytes:
    """The entry's hashed fields (a ``values(*FIELDS)`` row) as canonical JSON: sorted keys, no
    spaces, the timestamp in UTC ISO 8601 with microseconds."""
    row = dict(values)
    row["timestamp"] = row["timestamp"].astimezone(dt.UTC).isoformat()
    return json.dumps(
        row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def content_hash(algorithm: str, values: dict) -> str:
    return digest(algorithm, canonical(values))


def chain_hash(algorithm: str, prev_hash: str, content: str) -> str:
    return digest(algorithm, (prev_hash + content).encode())


# --- one sealer at a time ---------------------------------------------------------------------


@contextmanager
def chain_locked():
    """A transaction in which this code alone appends to or removes from the chain."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        elif connection.vendor == "sqlite":
            # Take SQLite's write lock now, before reading the chain's head: two processes
            # (a command beside the server) would otherwise both read the same head.
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {AuditSeal._meta.db_table} SET seq = seq WHERE 0 = 1")
        yield


@contextmanager
def removing():
    """Lift the append-only guard inside the block (Django's, and on PostgreSQL the trigger's,
    for this transaction only). For ``audit_pruning`` alone; call it inside ``chain_locked``.

    The trigger's flag is set back only when the block succeeds: after an error the transaction
    rolls back (the flag with it), and a statement sent now would hide the error behind
    "current transaction is aborted"."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('bangfu.audit_prune', 'on', true)")
    token = _removing.set(True)
    try:
        yield
    finally:
        _removing.reset(token)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('bangfu.audit_prune', '', true)")


def is_removing() -> bool:
    return _removing.get()


# --- sealing ----------------------------------------------------------------------------------


def recent_floor() -> int | None:
    """The lowest entry a periodic sealing looks at (None: the whole table, no seal yet)."""
    newest = AuditSeal.objects.aggregate(newest=Max("entry_id"))["newest"]
    return None if newest is None else max(newest - RECENT_MARGIN, 0)


def latest_pruning() -> AuditPruning | None:
    """The pruning the chain now starts from."""
    return AuditPruning.objects.filter(kind=AuditPruning.Kind.PRUNING).order_by("-pk").first()


def seal_pending(*, from_pk: int | None = None) -> int:
    """Seal every unsealed entry (from ``from_pk`` on, if given) in primary-key order, appending
    to the chain and moving its recorded head; returns how many were sealed."""
    algorithm = current_algorithm()
    sealed = 0
    with chain_locked():
        head = AuditSeal.objects.order_by("-seq").values("seq", "chain_hash").first()
        if head is None:
            anchor = latest_pruning()
            seq = anchor.last_seq if anchor else 0
            prev = anchor.anchor_hash if anchor else GENESIS
        else:
            seq, prev = head["seq"], head["chain_hash"]
        pending = LogEntry.objects.filter(audit_seal__isnull=True).order_by("pk")
        if from_pk is not None:
            pending = pending.filter(pk__gte=from_pk)
        last = None
        while True:
            batch = pending if last is None else pending.filter(pk__gt=last)
            rows = list(batch.values(*FIELDS)[:BATCH_SIZE])
            if not rows:
                if sealed:
                    _move_head(seq, prev)
                return sealed
            now = timezone.now()
            seals = []
            for row in rows:
                seq += 1
                content = content_hash(algorithm, row)
                link = chain_hash(algorithm, prev, content)
                seals.append(
                    AuditSeal(
                        seq=seq,
                        entry_id=row["id"],
                        algorithm=algorithm,
                        content_hash=content,
                        prev_hash=prev,
                        chain_hash=link,
                        sealed_at=now,
                    )
                )
                prev = link
            AuditSeal.objects.bulk_create(seals)
            sealed += len(seals)
            last = rows[-1]["id"]
            if len(rows) < BATCH_SIZE:  # the last batch: no need to ask for another
                _move_head(seq, prev)
                return sealed


def _move_head(seq: int, chain_hash_: str) -> None:
    values = {"seq": seq, "chain_hash": chain_hash_, "updated_at": timezone.now()}
    if not AuditChainHead.objects.filter(pk=HEAD_PK).update(**values):
        AuditChainHead.objects.create(pk=HEAD_PK, **values)


class _SealAfterCommit:
    """The one sealing registered per transaction: from the lowest entry the transaction wrote
    (entries below it are other transactions' to seal, or the periodic task's)."""

    def __init__(self, from_pk: int):
        self.from_pk = from_pk
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        deferred = _after_response.get()
        if deferred is None:
            _seal_from(self.from_pk)
        else:
            deferred.append(self.from_pk)


def _seal_from(from_pk: int) -> None:
    try:
        seal_pending(from_pk=from_pk)
    except DatabaseError:
        # The entries are committed; the periodic task seals them a few minutes later.
        logger.warning("Sealing audit entries from #%s failed; retried later.", from_pk)


def sealed_after_response(get_response):
    """Middleware: the sealings of the entries a request commits run once its response has been
    sent (when the server closes it), not while the user waits. A sealing asked for after the
    response left this middleware (by a later commit) runs at once, as outside a request."""

    def middleware(request):
        deferred: list[int] = []
        token = _after_response.set(deferred)
        try:
            response = get_response(request)
        finally:
            _after_response.reset(token)
        if deferred:
            close = response.close

            def sealed_then_closed():
                try:
                    _seal_from(min(deferred))
                finally:
                    close()

            response.close = sealed_then_closed
        return response

    return middleware


def seal_on_commit(entries: Iterable[LogEntry]) -> None:
    """Seal ``entries`` (just written) once the transaction commits, at once outside one."""
    pks = [entry.pk for entry in entries if entry.pk is not None]
    if not pks:
        return
    low = min(pks)
    if connection.in_atomic_block:
        # Callbacks of a savepoint rolled back are gone from this list: then register again.
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _SealAfterCommit) and not callback.ran:
                callback.from_pk = min(callback.from_pk, low)
                return
    transaction.on_commit(_SealAfterCommit(low))


# --- verifying --------------------------------------------------------------------------------


@dataclass
class ChainReport:
    ok: bool
    checked: int  # seals checked
    first_broken: int | None  # the LogEntry pk of the first broken link (None: not one entry's)
    reason: str
    unsealed: int  # entries unsealed for longer than UNSEALED_GRACE
    erased: int = 0  # seals checked whose entry a recorded erasure removed
    head_seq: int | None = None
    head_hash: str = ""
    partial: bool = False  # only the newest ``limit`` seals were checked

    def broken(self, reason: str, entry: int | None = None) -> None:
        self.ok, self.first_broken, self.reason = False, entry, reason


def verify(*, limit: int | None = None) -> ChainReport:
    """Walk the seals in sequence order, recomputing every hash from the entries as they are
    now; stop at the first broken link; then compare the end of the chain with its recorded
    head. With ``limit``, only the newest ``limit`` seals are checked, trusting the link into
    the first of them, and unsealed entries are counted among the recent ones only (for a page
    that must answer quickly)."""
    # Read before the seals: a sealing meanwhile only moves it forward.
    recorded = AuditChainHead.objects.filter(pk=HEAD_PK).values("seq", "chain_hash").first()
    report = ChainReport(ok=True, checked=0, first_broken=None, reason="", unsealed=0)
    anchor, problem = _prunings_problem()
    if problem:
        report.broken(problem)
    seals = AuditSeal.objects.order_by("seq")
    expected = (anchor.last_seq + 1, anchor.anchor_hash) if anchor else (1, GENESIS)
    if limit is not None:
        newest = seals.reverse().values_list("seq", flat=True)[limit - 1 : limit]
        if newest:
            seals, expected, report.partial = seals.filter(seq__gte=newest[0]), None, True
    erasures = _Erasures()
    last = None
    while report.ok:
        batch = list(seals.filter(seq__gt=last)[:BATCH_SIZE] if last else seals[:BATCH_SIZE])
        if not batch:
            break
        entries = {
            row["id"]: row
            for row in LogEntry.objects.filter(pk__in=[s.entry_id for s in batch]).values(*FIELDS)
        }
        for seal in batch:
            problem = _problem(seal, entries.get(seal.entry_id), expected, erasures)
            if problem:
                report.broken(problem, seal.entry_id)
                break
            report.checked += 1
            report.erased += seal.erasure_id is not None
            report.head_seq, report.head_hash = seal.seq, seal.chain_hash
            expected = (seal.seq + 1, seal.chain_hash)
        last = batch[-1].seq
    if report.ok and (problem := _head_problem(recorded, report, anchor)):
        report.broken(problem)
    unsealed = LogEntry.objects.filter(
        audit_seal__isnull=True, timestamp__lt=timezone.now() - UNSEALED_GRACE
    )
    if limit is not None and (floor := recent_floor()) is not None:
        unsealed = unsealed.filter(pk__gte=floor)
    report.unsealed = unsealed.count()
    return report


def _problem(seal: AuditSeal, entry: dict | None, expected: tuple | None, erasures) -> str:
    """Why this link is broken, or "" if it holds."""
    if expected is not None:
        seq, prev = expected
        if seal.seq != seq:
            return _("seal #%(seq)s is missing: the chain jumps to #%(next)s") % {
                "seq": seq,
                "next": seal.seq,
            }
        if seal.prev_hash != prev:
            return _("seal #%(seq)s does not follow the seal before it (removed or reordered)") % {
                "seq": seal.seq
            }
    if seal.chain_hash != chain_hash(seal.algorithm, seal.prev_hash, seal.content_hash):
        return _("seal #%(seq)s was altered") % {"seq": seal.seq}
    if entry is None:
        if seal.erasure_id is not None and erasures.listed(seal):
            return ""
        return _("entry #%(entry)s was deleted") % {"entry": seal.entry_id}
    if content_hash(seal.algorithm, entry) != seal.content_hash:
        return _("entry #%(entry)s was changed after it was sealed") % {"entry": seal.entry_id}
    return ""


def _own_entries(records: list[int]) -> dict[int, dict]:
    """The sealed entries that prunings and erasures wrote about themselves, by record."""
    rows = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AuditPruning),
        object_id__in=records,
        audit_seal__isnull=False,
    ).values("object_id", "additional_data", "audit_seal__seq")
    return {row["object_id"]: row for row in rows}


class _Erasures:
    """The seals each erasure listed in its own sealed entry, read at the first erased seal met.
    A seal pointing at a record that is not an erasure, that no sealed entry confirms, or that
    does not list it, is of an entry deleted; so is every erased seal in production."""

    def __init__(self):
        self._starts: dict[int, list[int]] | None = None
        self._ends: dict[int, list[int]] = {}

    def listed(self, seal: AuditSeal) -> bool:
        if settings.PRODUCTION:
            return False
        if self._starts is None:
            self._load()
        starts = self._starts.get(seal.erasure_id, [])
        at = bisect_right(starts, seal.seq) - 1
        return at >= 0 and seal.seq <= self._ends[seal.erasure_id][at]

    def _load(self) -> None:
        records = AuditPruning.objects.filter(kind=AuditPruning.Kind.ERASURE)
        self._starts = {}
        for pk, row in _own_entries(list(records.values_list("pk", flat=True))).items():
            data = row["additional_data"] or {}
            if data.get("audit_erasure") != pk:
                continue
            # Only seals before the entry's own: it lists what was already in the chain.
            spans = sorted((a, b) for a, b in data.get("seqs", []) if b < row["audit_seal__seq"])
            self._starts[pk] = [a for a, _b in spans]
            self._ends[pk] = [b for _a, b in spans]


def _prunings_problem() -> tuple[AuditPruning | None, str]:
    """The pruning the chain starts from, and why the prunings do not hold ("" if they do):
    each removes a later head than the one before it, and says so in its own sealed entry (an
    older pruning's entry may itself have been pruned since; the latest one's cannot)."""
    prunings = list(AuditPruning.objects.filter(kind=AuditPruning.Kind.PRUNING).order_by("pk"))
    if not prunings:
        return None, ""
    logged = _own_entries([pruning.pk for pruning in prunings])
    last_seq = 0
    for pruning in prunings:
        when = {"date": f"{timezone.localtime(pruning.at):%Y-%m-%d %H:%M}"}
        if pruning.last_seq is None or pruning.last_seq <= last_seq:
            return None, _("the pruning of %(date)s does not follow the one before it") % when
        last_seq = pruning.last_seq
        row = logged.get(pruning.pk)
        if row is None:
            if pruning is prunings[-1]:
                return None, _(
                    "the pruning of %(date)s has no sealed entry of its own in the audit log"
                ) % when
            continue
        data = row["additional_data"] or {}
        said = (data.get("audit_pruning"), data.get("last_seq"), data.get("anchor_hash"))
        if said != (pruning.pk, pruning.last_seq, pruning.anchor_hash) or (
            row["audit_seal__seq"] <= pruning.last_seq
        ):
            return None, _(
                "the pruning of %(date)s is not what its sealed entry says it removed"
            ) % when
    return prunings[-1], ""


def _head_problem(recorded: dict | None, report: ChainReport, anchor: AuditPruning | None) -> str:
    """Whether the chain reaches the head its sealing recorded ("" if it does)."""
    reached = report.head_seq if report.head_seq is not None else getattr(anchor, "last_seq", None)
    reached_hash = report.head_hash or getattr(anchor, "anchor_hash", "")
    if recorded is None:
        if reached is None:
            return ""  # nothing was ever sealed
        recorded = AuditChainHead.objects.filter(pk=HEAD_PK).values("seq", "chain_hash").first()
        if recorded is None:
            return _(
                "the record of the chain's head is missing: entries after seal #%(seq)s may "
                "have been removed"
            ) % {"seq": reached}
    if reached is None or recorded["seq"] > reached:
        return _("entries removed after seal #%(seq)s: the chain had reached seal #%(head)s") % {
            "seq": reached or 0,
            "head": recorded["seq"],
        }
    if recorded["seq"] == reached:
        kept = reached_hash
    else:  # sealed since the head was read
        kept = (
            AuditSeal.objects.filter(seq=recorded["seq"])
            .values_list("chain_hash", flat=True)
            .first()
        )
    if kept is not None and kept != recorded["chain_hash"]:
        return _("seal #%(seq)s is not the one the sealing wrote") % {"seq": recorded["seq"]}
    return ""
