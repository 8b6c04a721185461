"""Incomes read as money: 12,345.67 on the household's page, a formatted number cell in the
ledger export, and that number read back when the export is edited and imported again."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.registry.ledger import LEDGER_COLUMNS, export_households, import_ledger
from bangfu.registry.models import Household, Member
from tests.factories import MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

INCOME = [column.header for column in LEDGER_COLUMNS].index("月收入(元)") + 1


@pytest.fixture
def earning(household_a):
    """欧阳晓明's household with a spouse who earns 12,345.67 yuan a month."""
    MemberFactory(
        household=household_a,
        name="李秀英",
        relation=Member.Relation.SPOUSE,
        monthly_income=Decimal("12345.67"),
    )
    return household_a


def test_the_household_page_writes_incomes_with_thousands_separators(client, bureau_staff, earning):
    client.force_login(bureau_staff)
    content = client.get(reverse("registry:household-detail", args=[earning.pk])).content.decode()
    assert "12,345.67" in content  # the spouse's income
    assert "6,322.84" in content  # (300.00 + 12,345.67) / 2 per person
    assert "12345.67" not in content


def test_the_ledger_writes_incomes_as_formatted_numbers_that_import_again(bureau_staff, earning):
    content = export_households(Household.objects.all(), reveal_identity=True)
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    incomes = [sheet.cell(row, INCOME) for row in (2, 3)]
    assert [(c.value, c.data_type, c.number_format) for c in incomes] == [
        (300, "n", "#,##0.00"),
        (12345.67, "n", "#,##0.00"),
    ]

    # A clerk corrects the spouse's income in the sheet, as a number, and imports it again.
    incomes[1].value = 2480.5
    edited = io.BytesIO()
    book.save(edited)
    edited.seek(0)
    Household.objects.all().delete()
    report = import_ledger(edited, filename="台账.xlsx", by=bureau_staff)

    assert report.ok, report.errors
    assert sorted(Member.objects.values_list("monthly_income", flat=True)) == [
        Decimal("300.00"),
        Decimal("2480.50"),
    ]
