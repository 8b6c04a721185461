"""Reading an official list as published: MCA's 县级以上行政区划代码 (GB/T 2260, six digits), the
NBS's 统计用区划代码 (twelve digits, optionally with the 城乡分类代码), or a changes file (变更情况:
date, kind, code, new code, new name). Text copied from the web page (tab- or space-separated),
CSV or .xlsx; with a header row naming the columns or without one. The kind of file is told
from its content, never from its name."""

import csv
import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from bangfu.core.sheet_checking import RowError, fold

# The spreadsheet imports' own readers: the same encodings and the same damaged-file checks.
from bangfu.core.sheet_reading import SheetError, damaged, decode, read_workbook
from bangfu.regions.loading.codes import Code, CodeError, parse_code
from bangfu.regions.models import RegionChange

# A title such as "2023年中华人民共和国县以上行政区划代码" may sit above the header.
HEADER_SEARCH_ROWS = 10
_XLSX_MAGIC = b"PK\x03\x04"
_COLUMNS = {
    "code": ("代码", "区划代码", "行政区划代码", "统计用区划代码", "code"),
    "name": ("名称", "单位名称", "区划名称", "name"),
    "urban_rural": ("城乡分类代码", "城乡分类", "urban_rural", "urban_rural_code"),
    "date": ("日期", "变更日期", "date"),
    "kind": ("类型", "变更类型", "kind"),
    "new_code": ("新代码", "新区划代码", "new_code"),
    "new_name": ("新名称", "new_name"),
}
_HEADER = {fold(name): key for key, names in _COLUMNS.items() for name in names}
KINDS = {
    fold(word): kind
    for kind, words in {
        RegionChange.Kind.CREATE: ("新设", "设立", "新增", "create"),
        RegionChange.Kind.RENAME: ("更名", "rename"),
        RegionChange.Kind.MERGE: ("合并", "并入", "merge"),
        RegionChange.Kind.RETIRE: ("撤销", "retire"),
    }.items()
    for word in words
}
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d\d)(\d\d)$"
)
_URBAN_RURAL = re.compile(r"^[12]\d\d$")

GBT_2260 = "GB/T 2260 (县级以上行政区划代码)"
NBS = "统计用区划代码 (NBS statistical division codes)"
MIXED = "region codes of mixed lengths"
CHANGES = "区划变更 (changes)"


@dataclass(frozen=True)
class ListRow:
    line: int
    code: Code
    name: str
    digits: int  # of the code as written: 6 (GB/T 2260), 12 (统计用区划代码)


@dataclass(frozen=True)
class ChangeRow:
    line: int
    date: dt.date
    kind: str  # a RegionChange.Kind other than REINSTATE
    code: Code
    new_code: Code | None
    new_name: str


@dataclass
class ParsedFile:
    source: str  # the file's name, as recorded with each change
    format: str = ""
    is_changes: bool = False
    rows: list = field(default_factory=list)  # ListRow or ChangeRow, in the file's order
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # lines without a code: titles, notes

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append(RowError(line, column, str(reason)))


def read_file(content: bytes, source: str) -> ParsedFile:
    """Every row of the file, or the errors that name the line and field of each bad one."""
    parsed = ParsedFile(source=source)
    try:
        table, loose = _table(content, source)
    except SheetError as refusal:
        parsed.error(0, "", str(refusal))
        return parsed
    header_at, columns = _header(table)
    body = table[header_at + 1 :] if columns else table
    if columns and loose:
        # The header names the columns, but a blank cell (a township's 城乡分类代码) shifts
        # the cells after it: read the rows by their content.
        parsed.is_changes = {"date", "kind"} <= set(columns)
        columns = {}
    elif columns:
        parsed.is_changes = {"date", "kind"} <= set(columns)
        missing = ["code", "date", "kind"] if parsed.is_changes else ["code", "name"]
        for key in missing:
            if key not in columns:
                parsed.error(table[header_at][0], key, _("This column is missing."))
        if parsed.errors:
            return parsed
    if not columns and not parsed.is_changes:
        first = next((cells for _line, cells in body if _is_data(cells)), None)
        parsed.is_changes = first is not None and _date(_filled(first)[0]) is not None
    for line, cells in body:
        _read_row(parsed, line, cells, columns)
    parsed.format = CHANGES if parsed.is_changes else _list_format(parsed.rows)
    return parsed


def _table(content: bytes, source: str) -> tuple[list, bool]:
    """(line number, cells) of every row (cells are text, or dates where a workbook has them),
    and whether the cells are loose: split at spaces, where an empty cell leaves no trace."""
    if content.startswith(_XLSX_MAGIC):
        try:
            workbook = read_workbook(content)
            try:
                sheet = workbook.active or workbook.worksheets[0]
                rows = sheet.iter_rows(values_only=True)
                return [
                    (n, [_cell(value) for value in row]) for n, row in enumerate(rows, 1)
                ], False
            finally:
                workbook.close()
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, SyntaxError) as exc:
            raise damaged(exc) from None
    if source.lower().endswith((".xls", ".xlsx")):
        raise SheetError(_("This file is not a valid .xlsx workbook; save it as .xlsx or CSV."))
    lines = decode(content).splitlines()
    if any("," in line for line in lines):
        return [
            (n, [c.strip() for c in cells]) for n, cells in enumerate(csv.reader(lines), 1)
        ], False
    # Text copied from MCA's or the NBS's page: tab-separated, or spaces where the browser made
    # them.
    loose = not any("\t" in line for line in lines)
    return [
        (n, [cell.strip() for cell in (line.split() if loose else line.split("\t"))])
        for n, line in enumerate(lines, 1)
    ], loose


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(table: list) -> tuple[int, dict[str, int]]:
    """The index of the header row and each known column's position, or (0, {}) when the file
    has no header (a row that names a code column among the first rows)."""
    for index, (_line, cells) in enumerate(table[:HEADER_SEARCH_ROWS]):
        columns = {}
        for position, cell in enumerate(cells):
            key = _HEADER.get(fold(cell)) if isinstance(cell, str) else None
            if key is not None:
                columns.setdefault(key, position)
        if "code" in columns:
            return index, columns
    return 0, {}


def _filled(cells: list) -> list:
    return [cell for cell in cells if cell != ""]


def _is_data(cells: list) -> bool:
    """A row of data begins with a code or a changes file's date, ASCII both (a mistyped
    one is read, and refused); a title or a note ("注：…", "2023年中华人民共和国…") begins
    with Chinese text."""
    filled = _filled(cells)
    return bool(filled) and (isinstance(filled[0], dt.date) or filled[0].isascii())


def _read_row(parsed: ParsedFile, line: int, cells: list, columns: dict[str, int]) -> None:
    if columns:
        values = {key: cells[at] if at < len(cells) else "" for key, at in columns.items()}
        if not _filled(list(values.values())):
            return
        if len(_filled(cells)) == 1 and not _is_data([values["code"]]):
            parsed.skipped += 1  # a note below the table, in the code column
            return
    elif not _is_data(cells):
        parsed.skipped += bool(_filled(cells))
        return
    elif parsed.is_changes:
        values = _positional_change(_filled(cells))
    else:
        values = _positional_list(_filled(cells))
    errors = len(parsed.errors)
    if parsed.is_changes:
        row = _change_row(parsed, line, values)
    else:
        code = _code(parsed, line, "code", values.get("code", ""))
        name = _name(parsed, line, "name", values.get("name", ""))
        urban_rural = values.get("urban_rural", "")
        if urban_rural and not _URBAN_RURAL.match(urban_rural):
            parsed.error(
                line, "urban_rural", _("A 城乡分类代码 has three digits, e.g. 111 or 220.")
            )
        row = ListRow(line=line, code=code, name=name, digits=len(str(values.get("code", ""))))
    if len(parsed.errors) == errors:
        parsed.rows.append(row)


def _positional_list(cells: list) -> dict:
    """code, [城乡分类代码,] name: the three digits are the classification when a name follows."""
    values = {"code": cells[0]}
    rest = cells[1:]
    if len(rest) >= 2 and _URBAN_RURAL.match(rest[0]):
        values["urban_rural"] = rest.pop(0)
    values["name"] = rest[0] if rest else ""
    return values


def _positional_change(cells: list) -> dict:
    """date, kind, code, then a new code (digits) and a new name, either one left out."""
    values = dict(zip(("date", "kind", "code"), cells, strict=False))
    for cell in cells[3:]:
        key = (
            "new_code"
            if isinstance(cell, str) and cell.isascii() and cell.isdigit()
            else "new_name"
        )
        values.setdefault(key, cell)
    return values


def _change_row(parsed: ParsedFile, line: int, values: dict) -> ChangeRow | None:
    date = _date(values.get("date", ""))
    if date is None:
        parsed.error(line, "date", _("Write the date as 2024-06-30."))
    kind = KINDS.get(fold(str(values.get("kind", ""))))
    if kind is None:
        parsed.error(line, "kind", _("The kind is one of 更名, 撤销, 合并, 新设."))
    raw_code, raw_new = values.get("code", ""), values.get("new_code", "")
    if kind == RegionChange.Kind.CREATE and not raw_code:
        raw_code, raw_new = raw_new, ""  # a new region may be given in either column
    code = _code(parsed, line, "code", raw_code)
    new_code = _code(parsed, line, "new_code", raw_new) if raw_new else None
    new_name = values.get("new_name", "")
    if kind in (RegionChange.Kind.CREATE, RegionChange.Kind.RENAME):
        new_name = _name(parsed, line, "new_name", new_name)
    if kind == RegionChange.Kind.MERGE and not raw_new:
        parsed.error(line, "new_code", _("Name the region it was merged into."))
    if code is not None and new_code is not None and code.code == new_code.code:
        parsed.error(line, "new_code", _("A region cannot be merged into itself."))
    return ChangeRow(
        line=line, date=date, kind=kind, code=code, new_code=new_code, new_name=new_name
    )


def _code(parsed: ParsedFile, line: int, column: str, raw: str) -> Code | None:
    if not raw:
        parsed.error(line, column, _("The code is missing."))
        return None
    try:
        return parse_code(str(raw))
    except CodeError as problem:
        parsed.error(line, column, str(problem))
        return None


def _name(parsed: ParsedFile, line: int, column: str, name) -> str:
    name = str(name).strip()
    if not name or name.isdigit():
        parsed.error(line, column, _("The name is missing."))
    elif len(name) > 100:
        parsed.error(line, column, _("A name has at most 100 characters."))
    return name


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(str(value).strip())
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _list_format(rows: list[ListRow]) -> str:
    digits = {row.digits for row in rows}
    return {frozenset({6}): GBT_2260, frozenset({12}): NBS}.get(frozenset(digits), MIXED)
