"""Cells that leave Bangfu in a spreadsheet, and text that comes back in one.

Excel, WPS and LibreOffice read a cell whose text starts with "=", "+", "-", "@", a tab or a
carriage return as a formula (CSV or formula injection): a member named
``=HYPERLINK("http://…","y")`` becomes a live link in the clerk's copy of the ledger. Names,
addresses and notes are typed by people, so every export writes its cells through this module:

- .xlsx (``safe_cell``, ``safe_row``): the text is kept exactly and stored as a text cell with
  the "quote prefix" style, which is what Excel itself records when a clerk types ``'=1+1``. The
  sheet shows the text as typed, a program reading the file gets it unchanged, and editing the
  cell in Excel keeps it text. Prefixing an apostrophe to the value instead would show on screen
  and be read back as part of the name.
- .csv (``safe_csv_row``): a CSV file has no cell types, so such text gets a leading apostrophe,
  the escape spreadsheets honour when they open a CSV.

Numbers, dates and empty cells are written as they are: a negative amount stays a number. An
amount in yuan (``money_cell``) is a number too, so it sums and sorts, formatted to show
1,450,800.00; a CSV file writes it plain (1450800.00), as importers read it.

A file with personal data also names who exported it and when (``WorkbookStamp``), on every
sheet and in its properties, so a copy that leaves the office still says where it came from.

A template to fill in (``text_column``, ``dropdown``, ``instructions_sheet``) keeps the columns
of codes and ID numbers as text, offers the allowed values of a coded column as a dropdown and
explains every column on a sheet of its own.

A view hands a workbook to the browser with ``xlsx_response`` (the content type and the file
name to save it under).

Imports go the other way (``refuse_formula_text``): text starting like a formula is refused with
a message, not stored, so nothing in the registry can turn into a formula in a later export.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"
# Excel's limit on the text of a list validation given inline ("a,b,c").
_DROPDOWN_MAX = 255


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """The .xlsx file ``content`` as a download saved under ``filename``."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_cell(sheet, value, *, font=None, number_format=None) -> Cell:
    """A cell of ``sheet`` (normal or write-only) holding ``value``, for ``sheet.append``.

    Text that a spreadsheet would evaluate is stored as text; anything else as openpyxl types it.
    """
    cell = WriteOnlyCell(sheet, value=value)
    if looks_like_formula(value):
        cell.data_type = "s"  # openpyxl made a formula of a leading "="
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def money_cell(sheet, value) -> Cell:
    """An amount in yuan: a number cell with thousands separators and two decimals."""
    return safe_cell(sheet, value, number_format=MONEY_FORMAT)


def safe_row(sheet, values: Iterable, *, font=None) -> list[Cell]:
    return [safe_cell(sheet, value, font=font) for value in values]


def safe_csv_row(values: Iterable) -> list:
    return [f"'{value}" if looks_like_formula(value) else value for value in values]


def refuse_formula_text(text: str) -> str | None:
    """The reason to refuse imported ``text`` that a spreadsheet would run, or None. A lone
    character ("-" for "none") runs nothing and is kept."""
    if len(text) < 2 or not looks_like_formula(text):
        return None
    return _(
        "“%(value)s” starts with “%(first)s”: a spreadsheet would run it as a formula. "
        "Remove the leading character."
    ) % {"value": text, "first": text[0].replace("\t", "Tab").replace("\r", "CR")}


# Excel refuses a page header longer than 255 characters.
_HEADER_MAX = 250


@dataclass(frozen=True)
class WorkbookStamp:
    """Who exported a workbook, when, and what it holds (``note``)."""

    author: str
    at: dt.datetime
    note: str = ""

    @classmethod
    def for_user(cls, user, *, at: dt.datetime | None = None, note: str = "") -> "WorkbookStamp":
        shown, username = str(user), user.get_username()
        author = username if shown == username else f"{shown} ({username})"
        return cls(author=author, at=at or timezone.now(), note=note)

    @property
    def signature(self) -> str:
        return _("Exported by %(author)s at %(time)s") % {
            "author": self.author,
            "time": f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}",
        }

    @property
    def line(self) -> str:
        return f"{self.signature} · {self.note}" if self.note else self.signature

    def apply(self, workbook) -> None:
        """Put the stamp in the properties and the printed page header of every sheet made so
        far; the exporter writes ``line`` in a first row where the sheet shows it."""
        properties = workbook.properties
        properties.creator = properties.lastModifiedBy = self.author
        properties.created = properties.modified = self.at.astimezone(dt.UTC).replace(tzinfo=None)
        properties.description = self.line
        header = self.signature.replace("&", "&&")[:_HEADER_MAX]  # "&" starts a header code
        for sheet in workbook.worksheets:
            sheet.oddHeader.center.text = header


def text_column(sheet, column: int) -> None:
    """Format column ``column`` (1 = A) of ``sheet`` (normal or write-only) as text: what a clerk
    types or pastes there later stays as typed, an 18-digit ID number keeps every digit."""
    sheet.column_dimensions[get_column_letter(column)].number_format = TEXT_FORMAT


def dropdown(sheet, column: int, choices: Sequence[str], *, first_row: int = 2) -> DataValidation:
    """Offer ``choices`` as a dropdown in column ``column`` (1 = A) of ``sheet`` from
    ``first_row`` down. Another value gets a warning the clerk may pass over (an import may
    accept other spellings, and says what is wrong with a value it does not)."""
    formula = ",".join(choices)
    if len(formula) > _DROPDOWN_MAX - 2 or any("," in c or '"' in c for c in choices):
        raise ValueError(f"These choices cannot be an inline dropdown: {formula!r}")
    letter = get_column_letter(column)
    validation = DataValidation(
        type="list",
        formula1=f'"{formula}"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        error=_("Choose one of: %(choices)s") % {"choices": "/".join(choices)},
    )
    validation.add(f"{letter}{first_row}:{letter}1048576")
    if hasattr(sheet, "add_data_validation"):
        sheet.add_data_validation(validation)
    else:  # a write-only sheet
        sheet.data_validations.append(validation)
    return validation


@dataclass(frozen=True)
class ColumnHelp:
    """One column as the instructions sheet explains it."""

    header: str
    required: bool
    allowed: str = ""  # the allowed values ("低保/低保边缘/无") or what the cell holds
    example: str = ""
    note: str = ""


INSTRUCTIONS_TITLE = "说明"


def instructions_sheet(
    workbook, columns: Iterable[ColumnHelp], *, intro: Iterable[str] = (), title: str = ""
):
    """Add a sheet (``INSTRUCTIONS_TITLE`` unless ``title``) after the others, explaining each
    of ``columns``: its header, whether it is required, its allowed values, an example and a
    note; ``intro`` lines come first. Works on normal and write-only workbooks."""
    sheet = workbook.create_sheet(title or INSTRUCTIONS_TITLE)
    for letter, width in zip("ABCDE", (20, 8, 36, 22, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for line in intro:
        sheet.append([safe_cell(sheet, str(line))])
    if intro:
        sheet.append([])
    headings = (_("Column"), _("Required"), _("Allowed values"), _("Example"), _("Notes"))
    sheet.append(safe_row(sheet, [str(heading) for heading in headings], font=bold))
    for column in columns:
        cells = safe_row(
            sheet,
            [
                column.header,
                str(_("yes")) if column.required else str(_("no")),
                str(column.allowed),
                column.example,
                str(column.note),
            ],
        )
        for cell in cells:
            cell.alignment = wrapped
        cells[3].number_format = TEXT_FORMAT  # an example ID number keeps its digits
        sheet.append(cells)
    return sheet
