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

Imports go the other way (``refuse_formula_text``): text starting like a formula is refused with
a message, not stored, so nothing in the registry can turn into a formula in a later export.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import Cell, WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"


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
