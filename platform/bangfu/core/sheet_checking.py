"""Checking the rows of an imported spreadsheet, the same way for every import: each problem is
a ``RowError`` naming the row as Excel numbers it, the column header as written in the file and a
reason the clerk can act on; one problem and nothing is written.

An import names its columns as fields (``key``, ``header``, ``aliases``, ``required``,
``default`` and ``read(value)``, which raises ``CellError`` for a cell it cannot read), checks
the file with a ``SheetCheck`` of its own, and writes with ``import_commit``.
"""

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _


class CellError(ValueError):
    """A cell that cannot be read; the message tells the clerk what to write instead."""


def fold(text: str) -> str:
    """Compare headers and labels loosely: full-width forms, case, spaces and a '*' mark."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).replace("*", "").rstrip(":").lower()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class SheetField(Protocol):
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool  # the column must be there and every cell filled
    default: object  # the value of a blank cell that is not required

    def read(self, value): ...


def header_index(fields: Iterable[SheetField]) -> dict:
    """Each field under every name a file may give its column (folded), "_" read as a space."""
    found = {}
    for item in fields:
        for name in (item.header, item.key, *item.aliases):
            found[fold(name)] = item
            found[fold(name.replace("_", " "))] = item
    return found


@dataclass(frozen=True)
class RowError:
    """One problem in the file. ``row`` is numbered as Excel shows it (the header is row 1;
    0 means the file as a whole); ``column`` is the header as written in the file."""

    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # rows read, blank rows not counted
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, reason: str) -> None:
        """A problem of the file as a whole."""
        self.errors.append(RowError(0, "", str(reason)))


@dataclass
class Row:
    number: int
    values: dict = field(default_factory=dict)  # field key → value read from the cell
    failed: set = field(default_factory=set)  # keys whose cell could not be read


class SheetCheck:
    """Reads the header and the rows of ``sheet`` (a ``bangfu.core.sheet_reading.Sheet``)
    against ``fields``, recording every problem in ``report``."""

    def __init__(self, *, sheet, report: ImportReport, fields: Iterable[SheetField]):
        self.sheet = sheet
        self.report = report
        self.fields = {item.key: item for item in fields}
        self.by_header = header_index(self.fields.values())
        self.header = {key: item.header for key, item in self.fields.items()}
        self.position: dict[str, int] = {}  # field key → index in the row
        self.order: dict[str, int] = {}  # header text → position, to sort errors

    def error(self, row: int, key_or_header: str, reason: str) -> None:
        header = self.header.get(key_or_header, key_or_header)
        self.report.errors.append(RowError(row, header, str(reason)))

    def sort_errors(self) -> None:
        """Errors in the order of the file: by row, then by column."""
        self.report.errors.sort(key=lambda e: (e.row, self.order.get(e.column, len(self.order))))

    def read_headers(self) -> bool:
        """Find each field's column; False when a column is doubled or a required one missing."""
        row = self.sheet.header_row
        for index, text in enumerate(self.sheet.headers):
            if not text:
                continue
            self.order.setdefault(text, index)
            item = self.by_header.get(fold(text))
            if item is None:
                self.report.ignored_columns.append(text)
            elif item.key in self.position:
                self.error(row, text, _("This column appears twice; keep one."))
            else:
                self.position[item.key] = index
                self.header[item.key] = text
        for item in self.fields.values():
            if item.required and item.key not in self.position:
                self.error(row, item.key, _("This column is missing; add it to the header."))
        return self.report.ok

    def cells(self) -> Iterator[tuple[int, dict]]:
        """(row number, {field key: cell value}) of every row that is not blank, counted."""
        positions = list(self.position.items())
        for number, values in self.sheet.rows:
            cells = {
                key: values[index] if index < len(values) else None for key, index in positions
            }
            if all(is_blank(value) for value in cells.values()):
                continue
            self.report.rows += 1
            yield number, cells

    def read_cell(self, row: Row, key: str, value) -> bool:
        """Read one cell into ``row.values``; False (and an error) when it cannot be read."""
        item = self.fields[key]
        if is_blank(value):
            if item.required:
                row.failed.add(key)
                self.error(row.number, key, _("This cell is required."))
                return False
            row.values[key] = item.default
            return True
        try:
            row.values[key] = item.read(value)
        except CellError as exc:
            row.failed.add(key)
            self.error(row.number, key, str(exc))
            return False
        return True


def read_upload(fileobj) -> bytes:
    content = fileobj.read()
    return content.encode("utf-8") if isinstance(content, str) else content


def import_commit(
    report: ImportReport,
    record,
    write: Callable[[], None],
    before_commit: Callable[[ImportReport], None] | None = None,
) -> None:
    """All or nothing: when every row is right, ``write`` them and save ``record`` (the
    import's audit row) in one transaction, with ``before_commit(report)`` (a background job
    storing its result); otherwise save ``record`` as the refusal it is."""
    if report.ok:
        try:
            with transaction.atomic():
                write()
                if before_commit is not None:
                    before_commit(report)
        except IntegrityError:
            # Someone registered one of these households or people since the check.
            report.refuse(_("The registry changed while the file was checked; try again."))
    if not report.ok:
        record.ok, record.error_count = False, len(report.errors)
        record.save()
