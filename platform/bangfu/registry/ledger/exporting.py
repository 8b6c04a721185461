"""Exporting households to an .xlsx ledger in the import layout: a revealed export re-imports."""

import io
import re

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bangfu.core.masking import mask_id_number, mask_name, mask_phone
from bangfu.registry.ledger.columns import (
    CARE_LEVELS,
    DISABILITIES,
    ILLNESSES,
    LEDGER_COLUMNS,
    RELATIONS,
    TIERS,
    WORK_ABILITIES,
    date,
    write_yes_no,
)
from bangfu.registry.models import Member

SHEET_TITLE = "台账"
CHUNK_SIZE = 2000  # households per query; their members come in one more query per chunk
# House and group numbers are what make an address point at one family.
_ADDRESS_NUMBERS = re.compile(r"[0-9０-９〇零一二三四五六七八九十百]")


def mask_address(address: str) -> str:
    """红光村3组15号 → 红光村*组**号: the village stays readable, the house does not."""
    return _ADDRESS_NUMBERS.sub("*", address)


def _household_cells(household, reveal: bool) -> dict:
    return {
        "registry_number": household.registry_number,
        "village_code": household.region.code,
        "address": household.address if reveal else mask_address(household.address),
        "phone": household.phone if reveal else mask_phone(household.phone),
        "tier": TIERS.canonical(household.tier),
        "enrolled_on": household.enrolled_on,
        "next_review_due": household.next_review_due,
    }


def _member_cells(member: Member | None, reveal: bool) -> dict:
    if member is None:  # a household without members still shows up
        return {}
    return {
        "name": member.name if reveal else mask_name(member.name),
        "id_number": member.id_number if reveal else mask_id_number(member.id_number),
        "relation": RELATIONS.canonical(member.relation),
        "disability": DISABILITIES.canonical(member.disability),
        "disability_grade": member.disability_grade,
        "illness": ILLNESSES.canonical(member.illness),
        "illness_note": member.illness_note if reveal else "",
        "care_level": CARE_LEVELS.canonical(member.care_level),
        "work_ability": WORK_ABILITIES.canonical(member.work_ability),
        "monthly_income": member.monthly_income,
        "income_is_irregular": write_yes_no(member.income_is_irregular),
        "is_orphan": write_yes_no(member.is_orphan),
        "is_unsupported_child": write_yes_no(member.is_unsupported_child),
        "is_five_elders": write_yes_no(member.is_five_elders),
    }


def export_households(queryset, *, reveal_identity: bool = False) -> bytes:
    """The households of ``queryset`` (already scoped and filtered by the caller) as an .xlsx
    ledger, one row per member, head first. Unless ``reveal_identity``, names, ID numbers,
    phone numbers and house numbers are masked and illness details left out.

    An empty queryset gives the blank ledger: the header row alone.
    """
    households = queryset.select_related("region").prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("pk"))
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    sheet.append([_cell(sheet, column.header, font=bold) for column in LEDGER_COLUMNS])
    for household in households.iterator(chunk_size=CHUNK_SIZE):
        members = sorted(household.members.all(), key=lambda m: m.relation != Member.Relation.HEAD)
        cells = _household_cells(household, reveal_identity)
        for member in members or [None]:
            cells.update(_member_cells(member, reveal_identity))
            sheet.append(
                [_format(sheet, column, cells.get(column.key)) for column in LEDGER_COLUMNS]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _format(sheet, column, value):
    if value is None or value == "":
        return None
    if column.text_format:
        return _cell(sheet, value, number_format="@")
    if column.parse is date:
        return _cell(sheet, value, number_format="yyyy-mm-dd")
    return value


def _cell(sheet, value, *, font=None, number_format=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell
