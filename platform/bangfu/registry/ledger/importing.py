"""Importing a ledger: check every row, then write all of it in one transaction, or nothing."""

import hashlib
from collections.abc import Callable

from django.utils.translation import gettext as _

from bangfu.core.audit import log_created
from bangfu.core.sheet_checking import import_commit, read_upload
from bangfu.core.sheet_reading import check_file
from bangfu.registry.ledger.checking import Draft, LedgerCheck, LedgerReport
from bangfu.registry.ledger.columns import LEDGER_COLUMNS
from bangfu.registry.ledger.limits import limits_for_user
from bangfu.registry.models import Household, LedgerImport, Member
from bangfu.registry.services import require_write

BATCH_SIZE = 1000  # rows per INSERT


def import_ledger(
    fileobj,
    *,
    filename: str,
    by,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    before_commit: Callable[[LedgerReport], None] | None = None,
) -> LedgerReport:
    """Import a ledger (.xlsx or .csv) as ``by``: every row is checked first, and unless every
    row is right nothing is written. Raises PermissionDenied if ``by`` cannot change the
    registry; villages outside their area are errors of the rows that name them; a file above
    the caps of the user's region (``limits``) is refused whole. ``progress(rows read, rows)``
    hears how far the reading is; ``before_commit(report)`` runs in the writing transaction."""
    require_write(by=by)
    content = read_upload(fileobj)
    report = LedgerReport(dry_run=dry_run)
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
    if report.ok:
        report.households_created = len(drafts)
        report.members_created = sum(len(draft.members) for draft in drafts)
    if dry_run:
        return report
    record = LedgerImport(
        imported_by=by,
        file_name=filename[-255:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=report.rows,
    )
    import_commit(report, record, lambda: _write(drafts, record, report), before_commit)
    if not report.ok:
        report.households_created = report.members_created = 0
        report.ledger_import_id = record.pk
    return report


def _write(drafts: list[Draft], record: LedgerImport, report: LedgerReport) -> None:
    households = [draft.household for draft in drafts]
    Household.objects.bulk_create(households, batch_size=BATCH_SIZE)
    # The households now have their keys; members pick them up from their household object.
    members = [member for draft in drafts for member in draft.members]
    Member.objects.bulk_create(members, batch_size=BATCH_SIZE)
    record.ok = True
    record.households_created = len(drafts)
    record.members_created = len(members)
    record.save()
    # Every household and person gets its own audit entry, as one entered on a form does.
    log_created(
        [*households, *members],
        actor=record.imported_by,
        additional_data={"ledger_import": record.pk},
    )
    report.ledger_import_id = record.pk
