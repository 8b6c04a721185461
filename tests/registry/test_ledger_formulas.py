"""Text a spreadsheet would run as a formula: the ledger import refuses it (CSV and .xlsx, as a
formula cell or as text), naming the row and the column; the export writes it as text."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from bangfu.core.spreadsheets import safe_row
from bangfu.registry.ledger import export_households, import_ledger
from bangfu.registry.models import Household, LedgerImport, Member
from tests.factories import HouseholdFactory, MemberFactory, make_id_number
from tests.registry.test_ledger import HEADERS, _csv, person, xlsx

pytestmark = pytest.mark.postgres

SPOUSE_ID = make_id_number(birth=dt.date(1961, 8, 20), seq=12, male=False)


def rows_with(name: str, address: str = "红光村3组15号") -> list[dict]:
    return [
        person(**{"家庭住址": address}),
        person(name=name, id_number=SPOUSE_ID, relation="配偶", **{"家庭住址": address}),
    ]


def xlsx_as_text(rows) -> io.BytesIO:
    """A workbook whose cells are all text cells, "=…" included (as Excel saves '=1+1)."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(safe_row(sheet, [row.get(header) for header in HEADERS]))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("write", "filename"),
    [
        (lambda rows: io.BytesIO(_csv(rows).encode("utf-8")), "台账.csv"),
        (xlsx, "formula-cells.xlsx"),  # openpyxl stores "=…" as a formula
        (xlsx_as_text, "text-cells.xlsx"),
    ],
)
@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "=1+1", "+1", "-1", "@A1"])
def test_the_import_refuses_a_name_a_spreadsheet_would_run(
    bureau_staff, county_a, write, filename, name
):
    report = import_ledger(write(rows_with(name)), filename=filename, by=bureau_staff)

    assert [(e.row, e.column) for e in report.errors] == [(3, "姓名")]
    assert "公式" in report.errors[0].reason and name in report.errors[0].reason
    assert not Household.objects.exists()
    assert LedgerImport.objects.get().ok is False


def test_other_text_columns_refuse_formulas_and_a_tab_or_a_lone_dash_is_kept_inert(
    bureau_staff, county_a
):
    report = import_ledger(
        xlsx(rows_with("\t李四", address="=1+1")), filename="a.xlsx", by=bureau_staff
    )

    assert [(e.row, e.column) for e in report.errors] == [(2, "家庭住址"), (3, "家庭住址")]
    rows = rows_with("\t李四")
    rows[1]["疾病说明"] = "-"  # a clerk's "none"
    assert import_ledger(xlsx(rows), filename="b.xlsx", by=bureau_staff).ok
    spouse = Member.objects.get(relation="spouse")
    assert (spouse.name, spouse.illness_note) == ("李四", "-")


def test_the_export_writes_a_formula_name_as_text(county_a):
    _county, _town, village = county_a
    household = HouseholdFactory(region=village, registry_number="530428-0009")
    MemberFactory(household=household, name='=HYPERLINK("http://x","y")')

    content = export_households(Household.objects.all(), reveal_identity=True)

    name = load_workbook(io.BytesIO(content)).active.cell(2, HEADERS.index("姓名") + 1)
    assert (name.value, name.data_type) == ('=HYPERLINK("http://x","y")', "s")
    assert name.quotePrefix
