"""The audit administrator's export of a search of the audit log, as .xlsx; the export is
itself an audit entry (who exported which search, how many rows)."""

import dataclasses
import io

from auditlog.models import LogEntry
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bangfu.auditing.selectors import AuditQuery, what_happened
from bangfu.core.spreadsheets import WorkbookStamp, safe_cell, safe_row

EXPORT_NAME = "audit_log"
# A bigger search is narrowed first (by time): the sheet says where it stops.
MAX_ROWS = 100_000
COLUMNS = (
    (gettext_lazy("Time"), 18),
    (gettext_lazy("Who"), 16),
    (gettext_lazy("Username"), 14),
    (gettext_lazy("From (IP address)"), 16),
    (gettext_lazy("What"), 30),
    (gettext_lazy("Kind of record"), 14),
    (gettext_lazy("Record"), 24),
    (gettext_lazy("Correlation id"), 38),
)


def record_kind(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model else entry.content_type.model


def entry_cells(entry: LogEntry) -> list:
    """One entry as the sheet shows it, in the order of ``COLUMNS``."""
    actor = entry.actor
    return [
        timezone.localtime(entry.timestamp).replace(tzinfo=None),
        str(actor) if actor else _("system"),
        actor.get_username() if actor else "",
        entry.remote_addr or "",
        what_happened(entry),
        record_kind(entry),
        entry.object_repr,
        entry.cid or "",
    ]


def audit_workbook(*, entries, query: AuditQuery, by) -> tuple[bytes, int]:
    """The entries of a search as an .xlsx file, and how many rows it holds. They are read
    outside any transaction, on the replica when the view reads there (``replica_view``); the
    export's own entry, written once the file is made, goes to the primary."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Audit log"))
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    stamp = WorkbookStamp.for_user(by, note=_("Audit log"))
    stamp.apply(book)
    sheet.append([safe_cell(sheet, stamp.line)])
    sheet.append(safe_row(sheet, [str(header) for header, _width in COLUMNS], font=Font(bold=True)))
    rows = 0
    for entry in entries[:MAX_ROWS].iterator(chunk_size=2000):
        sheet.append(safe_row(sheet, entry_cells(entry)))
        rows += 1
    if rows == MAX_ROWS:
        note = _("Stopped at %(rows)s rows: narrow the search.") % {"rows": MAX_ROWS}
        sheet.append([safe_cell(sheet, note)])
    buffer = io.BytesIO()
    book.save(buffer)
    filters = {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in dataclasses.asdict(query).items()
        if value
    }
    LogEntry.objects.log_create(
        by,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by,
        additional_data={"export": EXPORT_NAME, "filters": filters, "rows": rows},
    )
    return buffer.getvalue(), rows
