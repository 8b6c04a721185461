"""Exporting households to an .xlsx ledger in the import layout: a revealed export re-imports.

Every cell goes through ``bangfu.core.spreadsheets.safe_cell``: a name typed as ``=1+1`` comes
out as that text, never as a formula. Incomes are number cells shown 1,450.00; the import reads
them back as numbers.
"""

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bangfu.core.masking import mask_id_number, mask_name, mask_phone
from bangfu.core.spreadsheets import (
    ColumnHelp,
    WorkbookStamp,
    dropdown,
    instructions_sheet,
    money_cell,
    safe_cell,
    text_column,
)
from bangfu.registry.ledger.columns import (
    CARE_LEVELS,
    DISABILITIES,
    HOUSEHOLD_TIERS,
    ILLNESSES,
    LEDGER_COLUMNS,
    PERSONAL_STATUSES,
    RELATIONS,
    RESIDENCES,
    WORK_ABILITIES,
    Column,
    date,
    grade,
    money,
    past_date,
    write_yes_no,
)
from bangfu.registry.models import Household, Member

SHEET_TITLE = "台账"
CHUNK_SIZE = 2000  # households per query; their members come in one more query per chunk
PROGRESS_EVERY = 500  # households between two progress reports of a background export
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
        "household_tier": HOUSEHOLD_TIERS.canonical(household.household_tier),
        "residence": RESIDENCES.canonical(household.residence),
        "financial_assets": household.financial_assets,
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
        "is_employed": write_yes_no(member.is_employed),
        "personal_status": PERSONAL_STATUSES.canonical(member.personal_status),
        "is_orphan": write_yes_no(member.is_orphan),
        "is_unsupported_child": write_yes_no(member.is_unsupported_child),
        "is_five_elders": write_yes_no(member.is_five_elders),
    }


@dataclass(frozen=True)
class LedgerWritten:
    households: int
    rows: int  # member rows, the header and the stamp not counted


def ledger_households(queryset) -> Iterator[Household]:
    """The households of ``queryset`` with what the ledger writes, a chunk at a time."""
    return _prepared(queryset).iterator(chunk_size=CHUNK_SIZE)


def ledger_households_by_pk(pks: list[int]) -> Iterator[Household]:
    """The households of ``pks`` in that order (a list frozen when a background export was
    asked for), a chunk at a time."""
    for start in range(0, len(pks), CHUNK_SIZE):
        chunk = pks[start : start + CHUNK_SIZE]
        found = {
            household.pk: household
            for household in _prepared(Household.objects.filter(pk__in=chunk))
        }
        yield from (found[pk] for pk in chunk if pk in found)


def _prepared(queryset):
    return queryset.select_related("region").prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("pk"))
    )


def export_households(
    queryset, *, reveal_identity: bool = False, stamp: WorkbookStamp | None = None
) -> bytes:
    """The households of ``queryset`` (already scoped and filtered by the caller) as an .xlsx
    ledger, one row per member, head first. Unless ``reveal_identity``, names, ID numbers,
    phone numbers and house numbers are masked and illness details left out.

    An empty queryset gives the blank ledger: the header row alone.
    """
    buffer = io.BytesIO()
    write_ledger(ledger_households(queryset), buffer, reveal_identity=reveal_identity, stamp=stamp)
    return buffer.getvalue()


def write_ledger(
    households: Iterable[Household],
    fileobj,
    *,
    reveal_identity: bool = False,
    stamp: WorkbookStamp | None = None,
    progress: Callable[[int], None] | None = None,
) -> LedgerWritten:
    """Write the ledger of ``households`` (from ``ledger_households``) to ``fileobj``, as
    ``export_households`` describes.

    A ``stamp`` (who exported it, when) goes in a first row above the header, in the printed
    page header and in the workbook's properties; the import skips such a title row.
    ``progress`` is called with the number of households written so far, every
    ``PROGRESS_EVERY`` households.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A3" if stamp else "A2"
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        if column.text_format:
            text_column(sheet, index)
        if column.dropdown:
            dropdown(sheet, index, column.dropdown, first_row=3 if stamp else 2)
    intro = [stamp.line, *instructions_intro()] if stamp else instructions_intro()
    instructions_sheet(workbook, map(column_help, LEDGER_COLUMNS), intro=intro)
    if stamp:
        stamp.apply(workbook)
        sheet.append([safe_cell(sheet, stamp.line)])
    bold = Font(bold=True)
    sheet.append([safe_cell(sheet, column.header, font=bold) for column in LEDGER_COLUMNS])
    written = rows = 0
    for household in households:
        members = sorted(household.members.all(), key=lambda m: m.relation != Member.Relation.HEAD)
        cells = _household_cells(household, reveal_identity)
        for member in members or [None]:
            cells.update(_member_cells(member, reveal_identity))
            sheet.append(
                [_format(sheet, column, cells.get(column.key)) for column in LEDGER_COLUMNS]
            )
            rows += 1
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written)
    workbook.save(fileobj)
    return LedgerWritten(households=written, rows=rows)


def instructions_intro() -> list[str]:
    """The rules of an import, as the instructions sheet states them first."""
    return [
        _(
            "One row per member; a household's columns repeat on each of its rows (below its first "
            "row they may be left blank)."
        ),
        _(
            "A registry number already registered in your area updates that household; a person "
            "(ID number) already registered in it updates that person. Members the file leaves "
            "out are kept."
        ),
        _(
            "A masked cell (王*, 139****0000, 5304**********1231), as a masked export writes it, "
            "keeps the registered value. A blank cell that is not required keeps the registered "
            "value too; on a new household or member it takes the default."
        ),
        _(
            "A change of 救助类别 or 个人救助类别 is recorded as a decision of the benefits "
            "system, with the file's name as its reference and the day of the import as its date."
        ),
        _(
            "Check the file first: the preview lists every change, and nothing is written until "
            "you confirm. One wrong row and nothing is written."
        ),
    ]


def column_help(column: Column) -> ColumnHelp:
    """What the instructions sheet says of ``column``."""
    if column.dropdown:
        allowed = "/".join(column.dropdown)
    elif column.text_format:
        allowed = _("text")
    elif column.parse in (date, past_date):
        allowed = _("a date (2024-03-01)")
    elif column.parse is money:
        allowed = _("an amount in yuan")
    elif column.parse is grade:
        allowed = "1/2/3/4"
    else:
        allowed = _("text")
    return ColumnHelp(
        header=column.header,
        required=column.required,
        allowed=str(allowed),
        example=column.example,
        note=str(column.note),
    )


def _format(sheet, column, value):
    if value is None or value == "":
        return None
    if column.text_format:
        return safe_cell(sheet, value, number_format="@")
    if isinstance(value, dt.date):
        return safe_cell(sheet, value, number_format="yyyy-mm-dd")
    if isinstance(value, Decimal):  # the ledger's only decimals are amounts in yuan
        return money_cell(sheet, value)
    return safe_cell(sheet, value)
