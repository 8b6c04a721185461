"""The evaluation report as a spreadsheet (openpyxl) and a PDF (reportlab, built-in CID font).

Neither names a household: a report leaves the staff interface and is filed on paper. In the
spreadsheet amounts, scores and weights are numbers; amounts show as 1,450,800.00.
"""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from bangfu.core.spreadsheets import money_cell, safe_cell, safe_row
from bangfu.core.templatetags.money import yuan
from bangfu.procurement.models import Evaluation

CJK_FONT = "STSong-Light"


def _facts(evaluation: Evaluation) -> list[tuple[str, object, bool]]:
    """The report's summary: (label, value, whether the value is an amount in yuan)."""
    project = evaluation.project
    return [
        (_("Project"), project.name, False),
        (_("Buying region"), project.region.name, False),
        (_("Service agency"), project.agency.name, False),
        (
            _("Contract period"),
            f"{project.starts_on:%Y-%m-%d} – {project.ends_on:%Y-%m-%d}",
            False,
        ),
        (_("Contract amount (yuan)"), project.amount, True),
        (_("Evaluated on"), f"{evaluation.evaluated_on:%Y-%m-%d}", False),
        (_("Evaluator"), str(evaluation.evaluator), False),
        (_("Indicator score"), evaluation.indicator_score, False),
        (_("Evaluator's score"), evaluation.form_score, False),
        (_("Final score"), evaluation.final_score, False),
        (_("Grade"), evaluation.get_grade_display(), False),
    ]


def _shown(row: dict):
    """An indicator's value as the PDF writes it: the cost per household is an amount."""
    if row["code"] == "cost":
        return yuan(row["value"])
    return _dash(row["value"])


def _dash(value) -> str:
    return "—" if value is None else str(value)


def evaluation_xlsx(evaluation: Evaluation, rows: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Evaluation")[:31]
    bold = Font(bold=True)
    # Names and comments are typed by people: every cell goes through safe_cell.
    for label, value, amount in _facts(evaluation):
        cell = money_cell(sheet, value) if amount else safe_cell(sheet, value)
        sheet.append([safe_cell(sheet, label), cell])
    sheet.append([])
    header = sheet.max_row + 1
    sheet.append(
        safe_row(sheet, [_("Indicator"), _("Value"), _("Score"), _("Weight (%)")], font=bold)
    )
    for row in rows:
        score = None if row["score"] is None else float(row["score"])
        value = None if row["value"] is None else Decimal(row["value"])
        value = money_cell(sheet, value) if row["code"] == "cost" else safe_cell(sheet, value)
        sheet.append([safe_cell(sheet, row["label"]), value, score, float(row["weight"])])
    last = sheet.max_row
    sheet.append([])
    sheet.append(safe_row(sheet, [_("Criterion"), _("Score"), _("Weight (%)")], font=bold))
    for score in evaluation.scores.all():
        sheet.append(
            safe_row(
                sheet, [score.criterion.name, float(score.score), float(score.criterion.weight)]
            )
        )
    if evaluation.comments:
        sheet.append([])
        sheet.append(safe_row(sheet, [_("Comments"), evaluation.comments]))
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 24

    chart = BarChart()
    chart.type = "bar"
    chart.title = _("Indicator scores")
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
    chart.add_data(Reference(sheet, min_col=3, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    sheet.add_chart(chart, "F2")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def evaluation_pdf(evaluation: Evaluation, rows: list[dict]) -> bytes:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10, leading=15, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontSize=16, leading=22, spaceAfter=8)
    subheading = ParagraphStyle("sub", parent=body, fontSize=12, leading=18, spaceBefore=10)

    def cell(text) -> Paragraph:
        return Paragraph(escape(str(text)), body)

    table_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    story = [
        Paragraph(escape(_("Performance evaluation report")), heading),
        Table(
            [
                [cell(label), cell(yuan(value) if amount else value)]
                for label, value, amount in _facts(evaluation)
            ],
            colWidths=[45 * mm, 120 * mm],
            style=TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]),
        ),
        Paragraph(escape(_("Indicators")), subheading),
        Table(
            [[cell(_("Indicator")), cell(_("Value")), cell(_("Score")), cell(_("Weight (%)"))]]
            + [
                [
                    cell(r["label"]),
                    cell(_shown(r)),
                    cell(_dash(r["score"])),
                    cell(r["weight"]),
                ]
                for r in rows
            ],
            colWidths=[85 * mm, 30 * mm, 25 * mm, 25 * mm],
            style=table_style,
        ),
        Paragraph(escape(_("Evaluator's form")), subheading),
        Table(
            [[cell(_("Criterion")), cell(_("Score")), cell(_("Weight (%)"))]]
            + [
                [cell(s.criterion.name), cell(s.score), cell(s.criterion.weight)]
                for s in evaluation.scores.all()
            ],
            colWidths=[115 * mm, 25 * mm, 25 * mm],
            style=table_style,
        ),
        Spacer(1, 6 * mm),
    ]

    drawing = Drawing(165 * mm, 60 * mm)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70 * mm, 5 * mm, 90 * mm, 50 * mm
    chart.data = [[float(r["score"] or 0) for r in rows]]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.categoryAxis.categoryNames = [r["label"][:16] for r in rows]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2e8b57")
    drawing.add(chart)
    story += [Paragraph(escape(_("Indicator scores")), subheading), drawing]
    if evaluation.comments:
        story += [Paragraph(escape(_("Comments")), subheading), cell(evaluation.comments)]

    buffer = io.BytesIO()
    title = _("Performance evaluation report")
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Bangfu").build(story)
    return buffer.getvalue()
