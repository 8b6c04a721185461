"""Reading an imported spreadsheet: .xlsx (openpyxl, read-only and streaming) or .csv (UTF-8 with
or without BOM, GB18030 as Excel saves it in China, or Excel's UTF-16 "Unicode text").

Every import (the registry's ledger, the departments' cross-check files) reads its file with
``check_file``: a file above the caps of ``ImportLimits`` is refused before a single row is read,
the header row is found among the first rows, and the rows come with the numbers Excel shows.
A file that cannot be read as a whole is refused with a message that says what to do.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from bangfu.core.sheet_checking import ImportReport, SheetField, fold, header_index, is_blank

# A title such as "元江县低保对象台账" may sit above the header; look this far down for it.
HEADER_SEARCH_ROWS = 10
MEGABYTE = 1024 * 1024
PROGRESS_EVERY = 1000  # rows read between two reports of progress
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# How a row of a worksheet starts in its XML (with or without a namespace prefix). A marker is
# five bytes long: a read of the XML keeps the last four bytes before the next one, so a
# marker cut in two by the read is counted once.
_ROW_MARKERS = (b"<row ", b"<row>", b":row ", b":row>")
_CHUNK = 1 << 20
T = TypeVar("T")


class SheetError(ValueError):
    """The file as a whole cannot be imported; the message says what to do."""


@dataclass
class Sheet:
    header_row: int  # as Excel numbers rows: the first row is 1
    headers: list[str]
    rows: Iterator[tuple[int, tuple]]  # (row number, cell values), blank rows included


@dataclass(frozen=True)
class ImportLimits:
    """The caps of one import (policy parameters of the importer's region)."""

    max_rows: int
    max_megabytes: int
    background_rows: int

    def check_size(self, size: int) -> None:
        """Refuse a file above the size cap (SheetError), before it is even read."""
        if size > self.max_megabytes * MEGABYTE:
            raise SheetError(
                _(
                    "The file is %(size)s MB; at most %(limit)s MB can be imported at once. "
                    "Split it into smaller files."
                )
                % {"size": f"{size / MEGABYTE:,.1f}", "limit": f"{self.max_megabytes:,}"}
            )

    def check(self, content: bytes, filename: str) -> int:
        """Refuse a file above a cap (SheetError); else return its number of rows."""
        self.check_size(len(content))
        rows = count_rows(content, filename)
        if rows > self.max_rows:
            raise SheetError(
                _(
                    "The file has %(rows)s rows; at most %(limit)s rows can be imported at "
                    "once. Split it into smaller files."
                )
                % {"rows": f"{rows:,}", "limit": f"{self.max_rows:,}"}
            )
        return rows

    def check_upload(self, upload) -> int:
        """``check`` for an uploaded file, whose size is refused before it is even read."""
        self.check_size(upload.size)
        rows = self.check(upload.read(), upload.name)
        upload.seek(0)
        return rows

    def in_background(self, rows: int) -> bool:
        return rows > self.background_rows


def check_file(
    content: bytes,
    filename: str,
    *,
    report: ImportReport,
    check: Callable[[Sheet], T],
    limits: ImportLimits,
    fields: Iterable[SheetField],
    hint: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> T | None:
    """``check(sheet)`` of the file, or None when the file as a whole is refused (in
    ``report``): above the caps, unreadable, or without a header row.

    The header row is the first (of the first ``HEADER_SEARCH_ROWS``) that names three of
    ``fields``; ``hint`` follows the message when there is none. ``progress(rows read, rows in
    the file)`` hears of the rows as they are read.
    """
    try:
        total = limits.check(content, filename)
        with _open_sheet(content, filename, list(fields), hint) as sheet:
            if progress is not None:
                sheet.rows = _reported(sheet.rows, progress, total)
            return check(sheet)
    except SheetError as exc:
        report.refuse(str(exc))
        return None


@contextmanager
def _open_sheet(content: bytes, filename: str, fields: list[SheetField], hint: str):
    if not content.strip():
        raise SheetError(_("The file is empty."))
    if content.startswith(_XLS_MAGIC) or filename.lower().endswith(".xls"):
        raise SheetError(
            _("Excel 97-2003 (.xls) files cannot be read; save the file as .xlsx and try again.")
        )
    if content.startswith(_XLSX_MAGIC):
        try:
            workbook = read_workbook(content)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, SyntaxError) as exc:
            raise damaged(exc) from None
        try:
            yield _first_sheet_with_header(workbook, fields, hint)
        except SyntaxError as exc:
            # The sheet's XML is parsed as its rows are read: a NUL character or a cut-off
            # file shows only here (XML parse errors are SyntaxErrors, with lxml or without).
            raise damaged(exc) from None
        finally:
            workbook.close()
        return
    if filename.lower().endswith(".xlsx"):
        raise SheetError(_("This file is not a valid .xlsx workbook."))
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    dialect = csv.excel_tab if first_line.count("\t") > first_line.count(",") else csv.excel
    yield _sheet(enumerate(csv.reader(io.StringIO(text), dialect), start=1), fields, hint)


def _first_sheet_with_header(workbook, fields: list[SheetField], hint: str) -> Sheet:
    """The active sheet's header, or else that of the first other sheet that has one: a
    workbook saved while its instructions sheet (``spreadsheets.instructions_sheet``) was open
    still imports."""
    active = workbook.active or workbook.worksheets[0]
    others = [sheet for sheet in workbook.worksheets if sheet is not active]
    for worksheet in [active, *others]:
        try:
            return _sheet(enumerate(worksheet.iter_rows(values_only=True), start=1), fields, hint)
        except SheetError as refusal:
            if worksheet is active:
                first_refusal = refusal
    raise first_refusal


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet whose rows are read until the sheet ends, whatever size it declares.

    openpyxl's read-only sheet looks for the size the sheet declares as it opens; a sheet that
    declares none (files written in streaming mode, our own export among them) is then parsed
    whole before a row is read: ~10 s of CPU for 100,000 rows, for a size that is of no use
    here, since some programs declare a wrong one anyway."""

    def _get_size(self) -> None:
        pass


class _WorkbookReader(ExcelReader):
    """``load_workbook(read_only=True)`` with unsized sheets: ``read_worksheets`` is the
    read-only branch of openpyxl 3.1's own, building ``_UnsizedSheet``s."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def read_workbook(content: bytes):
    # Formulas are read as their text ("=…"), not their last computed value: the cell readers
    # then refuse them as they refuse such text in a CSV file, instead of storing whatever the
    # formula last showed.
    reader = _WorkbookReader(io.BytesIO(content), read_only=True, data_only=False)
    reader.read()
    return reader.wb


def damaged(exc: Exception) -> SheetError:
    return SheetError(
        _("This .xlsx file is damaged and cannot be read (%(reason)s).") % {"reason": exc}
    )


# A byte-order mark names the file's encoding, and the file is held to it.
_MARKS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_SAVE_AGAIN = gettext_lazy("Save it again as “CSV UTF-8” or as an .xlsx workbook.")


def decode(content: bytes) -> str:
    """The text of a CSV file: as its byte-order mark says, else UTF-8, else GB18030.

    A UTF-8 mark before GBK bytes is a file saved wrongly, not GB18030 text: decoding it as
    GB18030 anyway would import garbled names. A NUL character is refused here, for every
    import: no text holds one, and PostgreSQL cannot store it.
    """
    encoding = next((name for mark, name in _MARKS if content.startswith(mark)), None)
    try:
        if encoding is not None:
            text = content.decode(encoding)
        else:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                text = content.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        if encoding is not None:
            reason = _(
                "This file begins with the mark of %(encoding)s text, but line %(line)d is not "
                "%(encoding)s: the file was saved with a wrong encoding."
            ) % {"encoding": "UTF-8" if encoding == "utf-8-sig" else "UTF-16", "line": line}
        else:
            reason = _(
                "This file is neither an .xlsx workbook nor CSV text: line %(line)d is neither "
                "UTF-8 nor GB18030."
            ) % {"line": line}
        raise SheetError(f"{reason} {_SAVE_AGAIN}") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        reason = _(
            "Line %(line)d of this file holds a NUL character: it is not CSV text, or it was "
            "damaged."
        ) % {"line": line}
        raise SheetError(f"{reason} {_SAVE_AGAIN}")
    return text


def _sheet(rows: Iterator[tuple[int, tuple]], fields: list[SheetField], hint: str) -> Sheet:
    """Find the header row (the first with at least three known column names)."""
    index = header_index(fields)
    for number, values in rows:
        known = {index[fold(str(v))].key for v in values if fold(str(v)) in index}
        if len(known) >= 3:
            names = ["" if is_blank(v) else str(v).strip() for v in values]
            return Sheet(header_row=number, headers=names, rows=rows)
        if number >= HEADER_SEARCH_ROWS:
            break
    names = "、".join(item.header for item in fields if item.required)
    message = _("No header row found: the first row must name the columns (%(names)s).") % {
        "names": names
    }
    raise SheetError(f"{message} {hint}".strip())


def count_rows(content: bytes, filename: str) -> int:
    """The rows of a file, header included, without reading its cells: fast enough for a
    request to decide whether the import runs in the background (100,000 rows: 0.5 s)."""
    if content.startswith(_XLSX_MAGIC):
        return _xlsx_rows(content)
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", errors="replace")
        return text.count("\n") + (not text.endswith("\n"))
    # In UTF-8 and GB18030 no byte of a multi-byte character is a line feed.
    return content.count(b"\n") + (not content.endswith(b"\n"))


def _xlsx_rows(content: bytes) -> int:
    """The rows of the workbook's largest sheet, counted in the sheets' XML: opening the
    workbook with openpyxl would parse a whole sheet that does not declare its size (as files
    written in streaming mode, our own export among them, do not), cell by cell."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = [
                name
                for name in archive.namelist()
                if "worksheets/" in name and name.endswith(".xml")
            ]
            counts = []
            for name in sheets:
                with archive.open(name) as xml:
                    counts.append(_count_markers(xml))
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return 0  # not a workbook: the reader refuses it with its own message
    return max(counts, default=0)


def _count_markers(stream) -> int:
    count, tail = 0, b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        count += sum(window.count(marker) for marker in _ROW_MARKERS)
        tail = window[-4:]
    return count


def _reported(rows: Iterator[tuple[int, tuple]], progress, total: int):
    number = 0
    for number, values in rows:
        if number % PROGRESS_EVERY == 0:
            progress(number, total)
        yield number, values
    progress(max(number, total), max(number, total))
