"""Reading an .xlsx ledger whatever size its sheet declares: none (a streamed file, as our own
export writes) or a wrong one (as some programs write). Every row is read, numbered as Excel
numbers it."""

import io
import re
import zipfile

import pytest

from bangfu.registry.ledger import import_ledger
from bangfu.registry.models import Household, Member
from tests.registry.test_import_limits import streamed_xlsx
from tests.registry.test_ledger import good_rows, xlsx

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.postgres]


def declaring(size: str, workbook: io.BytesIO) -> io.BytesIO:
    """``workbook`` with its sheet declaring ``size`` (e.g. "A1:C2") instead of its own."""
    out = io.BytesIO()
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{size}"'.encode(), data)
            target.writestr(item, data)
    out.seek(0)
    return out


def files():
    return {
        "declares no size": streamed_xlsx,
        "declares a smaller size": lambda rows: declaring("A1:C2", xlsx(rows)),
    }


@pytest.mark.parametrize("kind", files())
def test_every_row_is_read_whatever_size_the_sheet_declares(kind, bureau_staff, county_a):
    make = files()[kind]

    # a bad cell past the declared size is reported on its own row
    rows = good_rows()
    rows[2]["月收入(元)"] = "-100"
    report = import_ledger(make(rows), filename="a.xlsx", by=bureau_staff, dry_run=True)
    assert [(error.row, error.column) for error in report.errors] == [(4, "月收入(元)")]

    report = import_ledger(make(good_rows()), filename="b.xlsx", by=bureau_staff)

    assert report.ok, report.errors
    assert (report.rows, Household.objects.count(), Member.objects.count()) == (3, 2, 3)
