"""Cells written by exports: text that would run as a formula stays text, numbers stay numbers;
and every module of the project that writes a spreadsheet goes through these helpers."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bangfu.core.spreadsheets import safe_csv_row, safe_row

ROOT = Path(__file__).resolve().parents[2]
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("write_only", [False, True])
def test_text_that_would_run_is_a_text_cell_and_numbers_stay_numbers(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    sheet.append(safe_row(sheet, [*FORMULA_LIKE, -5, 2.5, "张三", "a=b"]))
    buffer = io.BytesIO()
    book.save(buffer)

    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0][1])

    texts = cells[: len(FORMULA_LIKE)]
    # XML reads a carriage return back as a line feed.
    assert [(c.value, c.data_type, c.quotePrefix) for c in texts] == [
        (value.replace("\r", "\n"), "s", True) for value in FORMULA_LIKE
    ]
    assert [(c.value, c.data_type) for c in cells[len(FORMULA_LIKE) :]] == [
        (-5, "n"),
        (2.5, "n"),
        ("张三", "s"),
        ("a=b", "s"),
    ]
    assert not any(c.quotePrefix for c in cells[len(FORMULA_LIKE) :])


def test_a_csv_row_escapes_text_that_would_run():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(safe_csv_row(["=1+1", "@A1", -5, "张三"]))

    assert buffer.getvalue().strip() == "'=1+1,'@A1,-5,张三"


# A module that makes a workbook or a CSV file, and the helper it must use for its cells.
_WRITERS = re.compile(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(")


def test_every_module_that_writes_a_spreadsheet_uses_the_safe_cells():
    sources = [*(ROOT / "platform" / "bangfu").rglob("*.py"), *(ROOT / "cms").rglob("*.py")]
    writers = [path for path in sources if _WRITERS.search(path.read_text(encoding="utf-8"))]

    assert len(writers) >= 4, "the guard found too few exports"
    unsafe = [
        str(path.relative_to(ROOT))
        for path in writers
        if "bangfu.core.spreadsheets import" not in path.read_text(encoding="utf-8")
    ]
    assert unsafe == []
