"""Importing a ledger: check every row, then write all of it in one transaction, or nothing."""

import contextlib
import hashlib
from collections.abc import Callable

from auditlog.context import auditlog_value, set_extra_data
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.audit import log_created
from bangfu.core.sheet_checking import RowError, import_commit, read_upload
from bangfu.core.sheet_reading import check_file
from bangfu.registry.coverage import decision_recommend, decision_record, strongest
from bangfu.registry.ledger.checking import Draft, LedgerCheck, LedgerReport, StatusChange
from bangfu.registry.ledger.columns import LEDGER_COLUMNS
from bangfu.registry.ledger.limits import limits_for_user
from bangfu.registry.models import (
    Coverage,
    ExitReason,
    Household,
    LedgerImport,
    Member,
    StatusDecision,
)
from bangfu.registry.services import require_write
from bangfu.registry.summaries import refresh_household_summaries

BATCH_SIZE = 1000  # rows per INSERT


def import_ledger(
    fileobj,
    *,
    filename: str,
    by,
    dry_run: bool = False,
    preview_updates: bool = False,
    expected_sha256: str = "",
    expected_changes: str = "",
    progress: Callable[[int, int], None] | None = None,
    before_commit: Callable[[LedgerReport], None] | None = None,
) -> LedgerReport:
    """Import a ledger (.xlsx or .csv) as ``by``: every row is checked first, and unless every
    row is right nothing is written. Raises PermissionDenied if ``by`` cannot change the
    registry; villages outside their area are errors of the rows that name them; a file above
    the caps of the user's region (``limits``) is refused whole.

    With ``preview_updates`` a file that changes registered households or people is only
    checked (its report, ``needs_confirmation``, lists each change) unless ``expected_sha256``
    names it and ``expected_changes`` the preview's ``changes_sha256``: the confirmation of
    the preview the user saw. A file whose SHA-256 differs from ``expected_sha256`` is
    refused, and so is a confirmation whose changes are no longer those previewed (the
    registry changed since).
    ``progress(rows read, rows)`` hears how far the reading is; ``before_commit(report)`` runs
    in the writing transaction."""
    require_write(by=by)
    content = read_upload(fileobj)
    sha256 = hashlib.sha256(content).hexdigest()
    report = LedgerReport(dry_run=dry_run, file_sha256=sha256)
    if expected_sha256 and expected_sha256 != sha256:
        report.refuse(
            _("This is not the file you checked: check this one first, then confirm its changes.")
        )
        return report
    drafts: list[Draft] = (
        check_file(
            content,
            filename,
            report=report,
            check=lambda sheet: LedgerCheck(by=by, sheet=sheet, report=report).run(),
            limits=limits_for_user(by),
            fields=LEDGER_COLUMNS,
            hint=_("Download the blank ledger for the exact names."),
            progress=progress,
        )
        or []
    )
    if report.ok and not dry_run and preview_updates and not expected_sha256:
        report.dry_run = report.needs_confirmation = report.updates_anything
    if report.ok and not dry_run and expected_sha256 and expected_changes != report.changes_sha256:
        report.refuse(_("The registry changed since your preview; check the file again."))
    if report.dry_run:
        return report
    record = LedgerImport(
        imported_by=by, file_name=filename[-255:], file_sha256=sha256, rows=report.rows
    )
    import_commit(report, record, lambda: _write(drafts, record, report), before_commit)
    if not report.ok:
        report.households_created = report.members_created = 0
        report.households_updated = report.members_updated = report.decisions_recorded = 0
        report.decisions_proposed = 0
        report.changes, report.status_changes = [], []
        report.ledger_import_id = record.pk
    return report


def _write(drafts: list[Draft], record: LedgerImport, report: LedgerReport) -> None:
    by = record.imported_by
    created = [draft for draft in drafts if not draft.existing]
    # New households and members come without a status (the check left it 无): each status of
    # the file is a decision below, so every status has its record.
    for draft in created:
        draft.household.tier = strongest(draft.household.household_tier, [])
    households = [draft.household for draft in created]
    Household.objects.bulk_create(households, batch_size=BATCH_SIZE)
    # The households now have their keys; members pick them up from their household object.
    # New members of registered households come in the same INSERTs.
    members = [member for draft in drafts for member in draft.members]
    Member.objects.bulk_create(members, batch_size=BATCH_SIZE)
    refresh_household_summaries(member.household_id for member in members)
    record.ok = True
    for name in (
        "households_created",
        "members_created",
        "households_updated",
        "members_updated",
        "decisions_recorded",
    ):
        setattr(record, name, getattr(report, name))
    record.save()
    # Every household and person gets its own audit entry, as one entered on a form does.
    log_created([*households, *members], actor=by, additional_data={"ledger_import": record.pk})
    with _audited(by, {"ledger_import": record.pk}):
        _save_updates(drafts)
        for draft in drafts:
            for change in draft.status_changes:
                try:
                    _decide(change, by=by, record=record)
                except ValidationError as error:
                    # E.g. the status changed since the check: the row's error, nothing written.
                    report.errors += [
                        RowError(change.row, _HEADERS[change.key], message)
                        for message in error.messages
                    ]
                    transaction.set_rollback(True)
                    return
    report.ledger_import_id = record.pk


_HEADERS = {column.key: column.header for column in LEDGER_COLUMNS}


def _save_updates(drafts: list[Draft]) -> None:
    """Save the registered households and members the file changes, one by one (auditlog
    records each change field by field, as on the forms), each on its row locked and with only
    the fields the file changes: a decision confirmed since the check is not written over."""
    households = [draft for draft in drafts if draft.existing and draft.changed_fields]
    members = [(member, fields) for draft in drafts for member, fields in draft.updated_members]
    locked_households = _lock(Household, [draft.household.pk for draft in households])
    locked_members = _lock(Member, [member.pk for member, _fields in members])
    for draft in households:
        _save(locked_households[draft.household.pk], draft.household, draft.changed_fields)
    for member, fields in members:
        _save(locked_members[member.pk], member, fields)


def _lock(model, pks: list[int]) -> dict:
    locked = {}
    for start in range(0, len(pks), BATCH_SIZE):
        chunk = pks[start : start + BATCH_SIZE]
        rows = model.objects.select_for_update(of=("self",)).filter(pk__in=chunk)
        locked.update((row.pk, row) for row in rows)
    return locked


def _save(locked, checked, fields: list[str]) -> None:
    """The file's values of ``fields`` written on the ``locked`` row (the other fields as the
    registry has them now)."""
    for name in fields:
        setattr(locked, name, getattr(checked, name))
    locked.save(update_fields=[*fields, "updated_at"])


def _decide(change: StatusChange, *, by, record: LedgerImport) -> None:
    """A status the file changes: a decision of the benefits system, recorded confirmed when
    the importer may decide it; otherwise a recommendation (建议) the township confirms, and
    the registry keeps its status (003: 「审核确认权下放至乡镇（街道）」)."""
    # The ledger gives no reason of an exit: the benefits system holds it.
    exit_reason = ExitReason.OTHER if change.new == Coverage.NONE else ""
    if change.decide:
        decision_record(
            by=by,
            household=change.household,
            member=change.member,
            to_status=change.new,
            reference=record.file_name[-100:],
            effective_on=timezone.localdate(),
            source=StatusDecision.Source.LEDGER_IMPORT,
            exit_reason=exit_reason,
            ledger_import=record,
        )
        return
    decision = decision_recommend(
        by=by,
        household=change.household,
        member=change.member,
        kind="",
        to_status=change.new,
        source=StatusDecision.Source.LEDGER_IMPORT,
        evidence={
            "ledger_import": record.pk,
            "file": record.file_name,
            "file_sha256": record.file_sha256,
            "row": change.row,
        },
        exit_reason=exit_reason,
    )
    decision.ledger_import = record
    decision.save(update_fields=["ledger_import"])


@contextlib.contextmanager
def _audited(by, additional_data: dict):
    """Auditlog entries written inside carry ``by`` and ``additional_data`` (the import's
    record), in a request or in a background task; the request's own context comes back
    after."""
    outer = auditlog_value.get(None)
    context = {
        "actor": by,
        "remote_addr": (outer or {}).get("remote_addr"),
        "additional_data": additional_data,
    }
    try:
        with set_extra_data(context):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)
