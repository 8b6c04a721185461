"""Reading a ledger file: .xlsx (openpyxl, read-only and streaming) or .csv (UTF-8 with or
without BOM, GB18030 as Excel saves it in China, or Excel's UTF-16 "Unicode text")."""

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from bangfu.registry.ledger.columns import BY_HEADER, fold, is_blank

# A title such as "元江县低保对象台账" may sit above the header; look this far down for it.
HEADER_SEARCH_ROWS = 10
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class LedgerFileError(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass
class Sheet:
    header_row: int  # as Excel numbers rows: the first row is 1
    headers: list[str]
    rows: Iterator[tuple[int, tuple]]  # (row number, cell values), blank rows included


@contextmanager
def open_ledger(
    content: bytes,
    filename: str,
    *,
    headers: dict[str, str] | None = None,
    header_hint: str | None = None,
):
    """Yield the ledger's ``Sheet``; raise LedgerFileError if the file is not a ledger.

    Another spreadsheet format (the cross-check files of bangfu.discovery) reads the same way:
    ``headers`` maps its folded header names to column keys, ``header_hint`` names its columns in
    the message shown when no header row is found.
    """
    if not content.strip():
        raise LedgerFileError(_("The file is empty."))
    if content.startswith(_XLS_MAGIC) or filename.lower().endswith(".xls"):
        raise LedgerFileError(
            _("Excel 97-2003 (.xls) files cannot be read; save the file as .xlsx and try again.")
        )
    if content.startswith(_XLSX_MAGIC):
        try:
            workbook = _read_workbook(content)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, SyntaxError) as exc:
            raise _damaged(exc) from None
        try:
            worksheet = workbook.active or workbook.worksheets[0]
            yield _sheet(
                enumerate(worksheet.iter_rows(values_only=True), start=1), headers, header_hint
            )
        except SyntaxError as exc:
            # The sheet's XML is parsed as its rows are read: a NUL character or a cut-off
            # file shows only here (XML parse errors are SyntaxErrors, with lxml or without).
            raise _damaged(exc) from None
        finally:
            workbook.close()
        return
    if filename.lower().endswith(".xlsx"):
        raise LedgerFileError(_("This file is not a valid .xlsx workbook."))
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    dialect = csv.excel_tab if first_line.count("\t") > first_line.count(",") else csv.excel
    yield _sheet(enumerate(csv.reader(io.StringIO(text), dialect), start=1), headers, header_hint)


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


def _read_workbook(content: bytes):
    # Formulas are read as their text ("=…"), not their last computed value: the cell readers
    # then refuse them as they refuse such text in a CSV file, instead of storing whatever the
    # formula last showed.
    reader = _WorkbookReader(io.BytesIO(content), read_only=True, data_only=False)
    reader.read()
    return reader.wb


def _damaged(exc: Exception) -> LedgerFileError:
    return LedgerFileError(
        _("This .xlsx file is damaged and cannot be read (%(reason)s).") % {"reason": exc}
    )


# A byte-order mark names the file's encoding, and the file is held to it.
_MARKS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_SAVE_AGAIN = gettext_lazy("Save it again as “CSV UTF-8” or as an .xlsx workbook.")


def _decode(content: bytes) -> str:
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
        raise LedgerFileError(f"{reason} {_SAVE_AGAIN}") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        reason = _(
            "Line %(line)d of this file holds a NUL character: it is not CSV text, or it was "
            "damaged."
        ) % {"line": line}
        raise LedgerFileError(f"{reason} {_SAVE_AGAIN}")
    return text


def _sheet(
    rows: Iterator[tuple[int, tuple]],
    known_headers: dict[str, str] | None = None,
    header_hint: str | None = None,
) -> Sheet:
    """Find the header row (the first with at least three known column names)."""
    if known_headers is None:
        known_headers = {name: column.key for name, column in BY_HEADER.items()}
    for number, values in rows:
        known = {known_headers[fold(str(v))] for v in values if fold(str(v)) in known_headers}
        if len(known) >= 3:
            headers = ["" if is_blank(v) else str(v).strip() for v in values]
            return Sheet(header_row=number, headers=headers, rows=rows)
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_hint:
        raise LedgerFileError(header_hint)
    raise LedgerFileError(
        _(
            "No header row found: the first row must name the columns (户编号, 村(社区)代码, "
            "姓名, 身份证号 …). Download the blank ledger for the exact names."
        )
    )
