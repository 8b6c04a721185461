"""A profile's blank .xlsx template, laid out as the ledger's blank template is."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bangfu.core.spreadsheets import ColumnHelp, dropdown, instructions_sheet, text_column
from bangfu.discovery.profiles.table import Profile


def blank_template(profile: Profile) -> bytes:
    """The profile's blank .xlsx template: the headers to fill in (ID numbers and codes as text,
    coded columns with a dropdown) and an instructions sheet, as the ledger's template has."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = profile.source
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for index, item in enumerate(profile.fields, start=1):
        sheet.cell(row=1, column=index, value=item.header).font = bold
        sheet.column_dimensions[get_column_letter(index)].width = item.width
        if item.text_format:
            text_column(sheet, index)
        if item.dropdown:
            dropdown(sheet, index, item.dropdown)
    instructions_sheet(
        workbook,
        [
            ColumnHelp(
                header=item.header,
                required=item.required,
                allowed=" / ".join(item.dropdown) or item.kind,
                example=item.example,
                note=str(item.note),
            )
            for item in profile.fields
        ],
        intro=template_intro(profile),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_intro(profile: Profile) -> list[str]:
    lines = [
        f"{profile.label} · {profile.department}",
        str(profile.purpose),
        _(
            "One row per person (the header is row 1). People are matched by ID number; the "
            "whole file is checked first and, if any row has an error, nothing is written."
        ),
    ]
    if profile.snapshot:
        lines.append(_("A list as of a date: each file replaces the previous one."))
    if profile.registry_only:
        lines.append(_("Only rows about people in the registry are kept; the others are left out."))
    return lines
