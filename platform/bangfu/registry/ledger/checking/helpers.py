"""Helpers of a ledger check: masked cells, preview values and chunked lookups."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from bangfu.core.masking import mask_name
from bangfu.registry.ledger.checking.records import _COLUMNS, _MASKS, LOOKUP_CHUNK, Masked
from bangfu.registry.ledger.columns import write_yes_no, yes_no
from bangfu.registry.models import Member


def _names(member: Member, name) -> bool:
    """Whether the name cell (masked or not) is ``member``'s name."""
    if isinstance(name, Masked):
        return mask_name(member.name) == name.text
    return member.name == name


def _masked_new(what: str) -> str:
    return _(
        "This cell is masked, as a masked export writes it; for %(what)s write it in full."
    ) % {"what": what}


def _shown(fields: list[tuple[str, object, object]]) -> list[list[str]]:
    """[[column header, old, new]] as the preview shows them: personal data masked."""
    return [[_COLUMNS[key].header, _show(key, old), _show(key, new)] for key, old, new in fields]


def _show(key: str, value) -> str:
    column = _COLUMNS[key]
    if value is None or value == "":
        return ""
    if key in _MASKS:
        return _MASKS[key](value)
    if key == "illness_note":
        return "…"  # health details stay out of the preview
    coded = column.labels or column.choices
    if coded is not None:
        return coded.canonical(value)
    if column.parse is yes_no:
        return write_yes_no(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _chunks(values: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]
