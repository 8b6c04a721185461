"""The charts every dashboard draws: inline SVG whose labels cannot inject markup, a bar per
measured value, a dash where nothing was measured, the row's own note where it has one, and a
year by month with every month on its axis."""

import re
from decimal import Decimal

from django.utils import translation

from bangfu.core.charts import Series, hbar_chart, month_chart, whole


def bars(svg: str) -> list[str]:
    """The widths of the bars (the legend's squares are 12 high, a bar 14)."""
    return re.findall(r'width="([\d.]+)" height="14"', svg)


def test_names_typed_by_staff_are_text_not_markup():
    svg = hbar_chart(
        [("<script>alert(1)</script>", [Decimal(3)])], [Series("<b>found</b>", "#000")], title="t"
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and "&lt;b&gt;found" in svg


def test_bars_scale_to_the_largest_value_and_an_unmeasured_value_is_a_dash():
    svg = hbar_chart(
        [("甲镇", [Decimal(10)]), ("乙镇", [Decimal(5)]), ("丙镇", [None])],
        [Series("found", "#000")],
        title="t",
        value_format=whole,
    )
    full, half = (float(width) for width in bars(svg))
    assert half == full / 2
    assert svg.count(">—</text>") == 1


def test_a_row_note_replaces_its_formatted_value():
    svg = hbar_chart(
        [("站甲", [0.75], "75% (3/4)"), ("站乙", [0.5])],
        [Series("accepted", "#000")],
        title="t",
        max_value=1,
        value_format=lambda rate: f"{rate:.0%}",
    )
    assert ">75% (3/4)</text>" in svg and ">50%</text>" in svg
    assert ">75%</text>" not in svg


FLOW = [Series("committed", "#5b9bd5"), Series("paid", "#1f5f8b")]


def axis_labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="(?:end|middle)">([^<]*)</text>', svg)


def test_a_year_by_month_labels_all_twelve_months_even_those_without_money():
    with translation.override("en"):
        svg = month_chart(
            {3: [Decimal("1450800.00"), Decimal("0")], 11: [Decimal("0"), Decimal("865000.00")]},
            FLOW,
            title="Flow by month",
        )
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert axis_labels(svg)[-12:] == months
    assert svg.count("<rect") - len(FLOW) == 24  # two columns a month, empty ones included


def test_the_months_are_named_in_the_pages_language():
    with translation.override("zh-hans"):
        svg = month_chart({}, FLOW, title="按月")
    assert axis_labels(svg)[-12:] == [
        "一月", "二月", "三月", "四月", "五月", "六月",
        "七月", "八月", "九月", "十月", "十一月", "十二月",
    ]  # fmt: skip


def test_the_amount_axis_has_round_gridlines_with_thousands_separators():
    with translation.override("en"):
        svg = month_chart({3: [Decimal("1450800.00"), Decimal("725400.00")]}, FLOW, title="t")
    assert axis_labels(svg)[:-12] == ["0", "500,000", "1,000,000", "1,500,000"]
    # The plot is 170 high up to the top gridline: 1,450,800 of 1,500,000 is 164.4.
    assert 'height="164.4" fill="#5b9bd5"><title>Mar committed: 1,450,800.00</title>' in svg
