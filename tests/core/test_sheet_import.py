"""The spreadsheet reader every import shares (the ledger's, the cross-check files'): each
refusal names the row as Excel numbers it and the column as the file writes it; a file above
the caps, unreadable or without a header is refused whole."""

import io
from dataclasses import dataclass

import pytest
from openpyxl import Workbook

from bangfu.core.sheet_checking import CellError, ImportReport, Row, RowError, SheetCheck
from bangfu.core.sheet_reading import ImportLimits, check_file

LIMITS = ImportLimits(max_rows=100, max_megabytes=1, background_rows=50)
pytestmark = pytest.mark.usefixtures("in_english")


def age(value) -> int:
    if not str(value).strip().isdigit():
        raise CellError(f"“{value}” is not an age in years.")
    return int(value)


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    default: object = None
    read: object = str


FIELDS = (
    Field("id_number", "身份证号", ("公民身份号码",)),
    Field("name", "姓名"),
    Field("age", "年龄", read=age),
    Field("note", "备注", required=False, default=""),
)


class PeopleCheck(SheetCheck):
    def run(self) -> list[Row]:
        rows = []
        if self.read_headers():
            for number, cells in self.cells():
                row = Row(number)
                for key, value in cells.items():
                    self.read_cell(row, key, value)
                rows.append(row)
        self.sort_errors()
        return rows


def read(content: bytes, filename: str = "people.csv", limits: ImportLimits = LIMITS):
    report = ImportReport()
    rows = check_file(
        content,
        filename,
        report=report,
        check=lambda sheet: PeopleCheck(sheet=sheet, report=report, fields=FIELDS).run(),
        limits=limits,
        fields=FIELDS,
    )
    return report, rows


def csv(*lines: str) -> bytes:
    return "\n".join(lines).encode("utf-8")


def xlsx(*rows) -> bytes:
    book = Workbook(write_only=True)  # as our own exports: no declared size
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_right_file_is_read_with_excel_row_numbers_blank_rows_skipped_not_counted():
    report, rows = read(
        csv(
            "元江县困难群众名册",
            "公民身份号码,姓名,年龄,备注,电话",
            "530428199001011234,张三,35,",
            ",,,",
            "530428199001011235,李四,40,独居",
        )
    )
    assert report.ok and report.rows == 2 and report.ignored_columns == ["电话"]
    assert [(row.number, row.values) for row in rows] == [
        (3, {"id_number": "530428199001011234", "name": "张三", "age": 35, "note": ""}),
        (5, {"id_number": "530428199001011235", "name": "李四", "age": 40, "note": "独居"}),
    ]


@pytest.mark.parametrize("make", [csv, xlsx])
def test_each_refused_cell_names_its_row_and_the_header_as_written(make):
    lines = [
        ("公民身份号码", "姓名", "年龄"),
        ("530428199001011234", "", "35"),
        ("530428199001011235", "李四", "forty"),
    ]
    content = make(*(",".join(line) for line in lines)) if make is csv else make(*lines)

    report, _rows = read(content, "people.csv" if make is csv else "people.xlsx")

    assert report.errors == [
        RowError(2, "姓名", "This cell is required."),
        RowError(3, "年龄", "“forty” is not an age in years."),
    ]


def test_a_missing_or_doubled_column_is_an_error_of_the_header_row():
    report, rows = read(csv("身份证号,姓名,姓名,备注", "530428199001011234,张三,张三,"))

    assert rows == []
    assert report.errors == [
        RowError(1, "姓名", "This column appears twice; keep one."),
        RowError(1, "年龄", "This column is missing; add it to the header."),
    ]


def test_a_file_above_the_row_cap_is_refused_whole_before_a_row_is_read():
    limits = ImportLimits(max_rows=2, max_megabytes=1, background_rows=1)

    report, rows = read(csv("身份证号,姓名,年龄", "1,张三,35", "2,李四,40"), limits=limits)

    assert rows is None and report.rows == 0
    assert report.errors == [
        RowError(
            0,
            "",
            "The file has 3 rows; at most 2 rows can be imported at once. Split it "
            "into smaller files.",
        )
    ]


def test_a_file_without_a_header_row_is_refused_naming_the_required_columns():
    report, _rows = read(csv("张三,35", "李四,40"))

    assert report.errors == [
        RowError(
            0,
            "",
            "No header row found: the first row must name the columns (身份证号、姓名、年龄).",
        )
    ]


@pytest.mark.parametrize(
    "content, filename, reason",
    [
        (b"  ", "people.csv", "The file is empty."),
        (b"\xd0\xcf\x11\xe0rest", "people.xls", "Excel 97-2003 (.xls) files cannot be read"),
        (b"PK\x03\x04broken", "people.xlsx", "This .xlsx file is damaged"),
        (b"\xef\xbb\xbf\xd5\xc5", "people.csv", "line 1 is not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(content, filename, reason):
    report, _rows = read(content, filename)

    [error] = report.errors
    assert (error.row, error.column) == (0, "") and reason in error.reason
