"""The charts every dashboard draws: inline SVG whose labels cannot inject markup, a bar per
measured value, a dash where nothing was measured, and the row's own note where it has one."""

import re
from decimal import Decimal

from bangfu.core.charts import Series, hbar_chart, whole


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
