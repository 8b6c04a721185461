"""Checking a ledger: read every row, gather households, and find every problem with its row
and column before anything is written (``LedgerCheck``). A household or person already
registered in the importer's area is updated: the check works out each change (``Changes``),
which the preview lists and the import applies."""

from bangfu.registry.ledger.checking.check import LedgerCheck
from bangfu.registry.ledger.checking.helpers import _chunks, _masked_new, _names, _show, _shown
from bangfu.registry.ledger.checking.records import (
    _COLUMNS,
    _MASKS,
    _MODEL_CHECKED,
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_READ,
    LOOKUP_CHUNK,
    MEMBER_FIELDS,
    MEMBER_READ,
    STATUS_FIELDS,
    Draft,
    LedgerReport,
    Masked,
    MemberRow,
    StatusChange,
)

__all__ = [
    "HOUSEHOLD_FIELDS",
    "HOUSEHOLD_READ",
    "LOOKUP_CHUNK",
    "MEMBER_FIELDS",
    "MEMBER_READ",
    "STATUS_FIELDS",
    "_COLUMNS",
    "_MASKS",
    "_MODEL_CHECKED",
    "Draft",
    "LedgerCheck",
    "LedgerReport",
    "Masked",
    "MemberRow",
    "StatusChange",
    "_chunks",
    "_masked_new",
    "_names",
    "_show",
    "_shown",
]
