"""Amounts read the same on every page and in every language: 1,450,800.00, a dash for none."""

import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from openpyxl import Workbook, load_workbook

from bangfu.core.spreadsheets import money_cell
from bangfu.core.templatetags.money import yuan


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1450800"), "1,450,800.00"),
        (Decimal("1626040.5"), "1,626,040.50"),
        (Decimal("999.99"), "999.99"),
        (Decimal("0"), "0.00"),
        (Decimal("-2315.8"), "-2,315.80"),
        (Decimal("72540.005"), "72,540.01"),  # half up, as money() rounds
        (Decimal("-0.004"), "0.00"),  # rounds to nothing: no minus
        (40000, "40,000.00"),
        ("1250.5", "1,250.50"),  # a JSON snapshot keeps amounts as text
        (None, "—"),
        ("", "—"),
    ],
)
def test_an_amount_has_two_decimals_and_thousands_separators(amount, shown):
    assert yuan(amount) == shown


def test_what_is_not_an_amount_comes_back_as_it_was():
    assert yuan("not measured") == "not measured"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_in_either_language_write_amounts_alike_and_leave_other_numbers_alone(language):
    template = Template("{% load money %}{{ year }} · {{ count }} · {{ amount|yuan }}")
    with translation.override(language):
        shown = template.render(
            Context({"year": 2026, "count": 12345, "amount": Decimal("1450800")})
        )
    assert shown == "2026 · 12345 · 1,450,800.00"


@pytest.mark.parametrize("write_only", [False, True])
def test_an_amount_in_a_spreadsheet_is_a_number_shown_with_separators(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    sheet.append([money_cell(sheet, Decimal("1450800.00")), money_cell(sheet, Decimal("-12.5"))])
    buffer = io.BytesIO()
    book.save(buffer)

    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0][1])

    assert [(c.value, c.data_type, c.number_format) for c in cells] == [
        (1450800, "n", "#,##0.00"),
        (-12.5, "n", "#,##0.00"),
    ]
