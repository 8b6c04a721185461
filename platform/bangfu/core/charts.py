"""Small bar charts drawn as inline SVG on the server: no script, nothing from the internet.

Every label passes through ``format_html``, so names typed by staff cannot inject markup. The
pages put the returned SVG in the page as it is (``{{ chart }}``); the data they show are built
by each app's views or selectors.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from bangfu.core.templatetags.money import yuan

WIDTH = 640
LABEL_WIDTH = 150
VALUE_WIDTH = 110
LEGEND_HEIGHT = 24
AXIS_WIDTH = 84  # the amounts on the vertical axis of a column chart: 12,500,000 fits


@dataclass(frozen=True)
class Series:
    label: str
    colour: str


# (label, values) or (label, values, note): see ``hbar_chart``.
Row = tuple[str, Sequence[Decimal | None]] | tuple[str, Sequence[Decimal | None], str]


def whole(value) -> str:
    """A count: 1,234."""
    return f"{int(value):,}"


def fit(label: str, width: int = 18) -> str:
    """Cut a label to the label column; a Chinese character takes two Latin widths."""
    label, used = str(label), 0
    for index, char in enumerate(label):
        used += 2 if ord(char) > 0x2E80 else 1
        if used > width:
            return label[:index] + "…"
    return label


def _legend(series: Sequence[Series]) -> SafeString:
    parts, x = [], 0
    for item in series:
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="12" height="12" fill="{}"></rect>'
                '<text x="{}" y="15" font-size="12">{}</text>',
                x,
                item.colour,
                x + 16,
                item.label,
            )
        )
        x += 24 + 13 * len(str(item.label))
    return mark_safe("".join(parts))


def _svg(title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        title,
        WIDTH,
        height,
        title,
        body,
    )


def hbar_chart(
    rows: Sequence[Row],
    series: Sequence[Series],
    *,
    title: str,
    stacked: bool = False,
    max_value: Decimal | None = None,
    value_format: Callable[[Decimal], str] = yuan,
) -> SafeString:
    """Horizontal bars, one row per label: stacked parts of a whole, or grouped side by side.

    A row is (label, values) or (label, values, note): the note is written after the row's bar
    instead of its formatted value (a rate with its counts) when there is one value, after the
    stack instead of its total when stacked. A value of None (not measured) draws no bar and
    says so with a dash.
    """
    per_row = 1 if stacked else len(series)
    bar_height = 16
    row_height = bar_height * per_row + 10
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    known = [[v for v in row[1] if v is not None] for row in rows]
    totals = [sum(values) if stacked else max(values, default=0) for values in known]
    top = max_value or max(totals, default=0) or 1
    parts = [_legend(series)]
    for index, (label, values, *note) in enumerate(rows):
        y = LEGEND_HEIGHT + index * row_height
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="12">{}</text>',
                y + row_height // 2 + 2,
                fit(label),
            )
        )
        x = LABEL_WIDTH
        for position, (value, item) in enumerate(zip(values, series, strict=True)):
            if value is None:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" font-size="11">—</text>',
                        LABEL_WIDTH + 4,
                        (y if stacked else y + position * bar_height) + bar_height - 5,
                    )
                )
                continue
            width = max(float(value) / float(top) * plot, 0)
            bar_y = y if stacked else y + position * bar_height
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {}</title></rect>",
                    round(x, 1),
                    bar_y,
                    round(width, 1),
                    bar_height - 2,
                    item.colour,
                    item.label,
                    value_format(value),
                )
            )
            if stacked:
                x += width
            else:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" font-size="11">{}</text>',
                        round(LABEL_WIDTH + width + 4, 1),
                        bar_y + bar_height - 5,
                        note[0] if note and per_row == 1 else value_format(value),
                    )
                )
        if stacked:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11">{}</text>',
                    WIDTH - VALUE_WIDTH + 6,
                    y + bar_height - 4,
                    note[0] if note else value_format(sum(v for v in values if v is not None)),
                )
            )
    height = LEGEND_HEIGHT + max(len(rows), 1) * row_height
    return _svg(title, height, mark_safe("".join(str(part) for part in parts)))


def _step(top: Decimal, ticks: int = 4) -> Decimal:
    """A round distance between two gridlines (1, 2, 2.5 or 5 times a power of ten) that needs
    at most ``ticks`` of them to reach ``top``."""
    rough = top / ticks
    power = Decimal(10) ** rough.adjusted()
    return next(f * power for f in (1, 2, Decimal("2.5"), 5, 10) if f * power >= rough)


def _amount(value: Decimal) -> str:
    return whole(value) if value == value.to_integral_value() else yuan(value)


def column_chart(
    labels: Sequence[str],
    columns: Sequence[Sequence[Decimal]],
    series: Sequence[Series],
    *,
    title: str,
) -> SafeString:
    """Vertical grouped columns: ``columns[i][j]`` is series ``j`` at label ``i``. Every label is
    written under its group; the vertical axis has gridlines at round amounts."""
    height, plot_top, plot_bottom = 240, LEGEND_HEIGHT + 16, 210
    plot_height = plot_bottom - plot_top
    highest = max((Decimal(value) for group in columns for value in group), default=Decimal(0))
    step = _step(highest) if highest > 0 else Decimal(1)
    gridlines = max((highest / step).to_integral_value(ROUND_CEILING), 1)
    top = step * gridlines
    slot = (WIDTH - AXIS_WIDTH) / max(len(labels), 1)
    bar_width = max(slot * 0.8 / max(len(series), 1), 2)
    parts = [_legend(series)]
    for index in range(int(gridlines) + 1):
        y = round(plot_bottom - index / float(gridlines) * plot_height, 1)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>'
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"></line>',
                AXIS_WIDTH - 6,
                y + 4,
                _amount(step * index),
                AXIS_WIDTH,
                y,
                WIDTH,
                y,
                "#888" if index == 0 else "#e3e3e3",
            )
        )
    for index, (label, group) in enumerate(zip(labels, columns, strict=True)):
        x0 = AXIS_WIDTH + index * slot + slot * 0.1
        for position, (value, item) in enumerate(zip(group, series, strict=True)):
            bar = float(value / top) * plot_height
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} {}: {}</title></rect>",
                    round(x0 + position * bar_width, 1),
                    round(plot_bottom - bar, 1),
                    round(bar_width - 1, 1),
                    round(bar, 1),
                    item.colour,
                    label,
                    item.label,
                    yuan(value),
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                round(AXIS_WIDTH + (index + 0.5) * slot, 1),
                plot_bottom + 16,
                label,
            )
        )
    return _svg(title, height, format_html_join("", "{}", ((part,) for part in parts)))


def month_chart(
    months: Mapping[int, Sequence[Decimal]],
    series: Sequence[Series],
    *,
    title: str,
) -> SafeString:
    """``column_chart`` of a year, January to December: ``months[m]`` are the values of month
    ``m`` (1–12). A month with nothing in it keeps its place and its label, so the axis always
    shows the whole year."""
    nothing = [Decimal(0)] * len(series)
    return column_chart(
        [MONTHS_3[month].title() for month in range(1, 13)],
        [months.get(month, nothing) for month in range(1, 13)],
        series,
        title=title,
    )
