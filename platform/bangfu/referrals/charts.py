"""Horizontal bar charts drawn on the server as inline SVG: no script, nothing from the internet.

``bar_chart`` does the geometry; ``referrals/includes/bar_chart.html`` draws it.
"""

from collections.abc import Iterable
from dataclasses import dataclass

LABEL_WIDTH = 190
BAR_SPACE = 330
ROW_HEIGHT = 26
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    text_y: int
    width: int
    text_x: int
    css: str


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    bar_x: int = LABEL_WIDTH
    width: int = LABEL_WIDTH + BAR_SPACE + 60

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 4


def bar_chart(
    title: str,
    rows: Iterable[tuple[str, float, str] | tuple[str, float, str, str]],
    *,
    maximum: float | None = None,
) -> BarChart:
    """Rows of (label, value, value as text[, css class]); bars scale to ``maximum``."""
    rows = list(rows)
    top = maximum if maximum is not None else max((row[1] for row in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        label, value, text = row[0], row[1], row[2]
        width = round(BAR_SPACE * value / top) if top else 0
        y = index * ROW_HEIGHT + 4
        bars.append(
            Bar(
                label=label,
                value_text=text,
                y=y,
                text_y=y + BAR_HEIGHT - 3,
                width=width,
                text_x=LABEL_WIDTH + width + 6,
                css=row[3] if len(row) > 3 else "",
            )
        )
    return BarChart(title=title, bars=bars)
