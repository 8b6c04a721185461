"""The check itself (``LedgerCheck``): reading rows and gathering them into households; the
other steps live in ``area``, ``completion`` and ``building``."""

import hashlib
import json

from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.core.sheet_checking import SheetCheck, is_blank
from bangfu.registry.ledger.checking.area import AreaChecks
from bangfu.registry.ledger.checking.building import ChangeBuilding
from bangfu.registry.ledger.checking.completion import CompletionChecks
from bangfu.registry.ledger.checking.records import Draft, LedgerReport, Masked, MemberRow
from bangfu.registry.ledger.columns import HOUSEHOLD_COLUMNS, LEDGER_COLUMNS, MEMBER_COLUMNS


class LedgerCheck(AreaChecks, CompletionChecks, ChangeBuilding, SheetCheck):
    def __init__(self, *, by, sheet, report: LedgerReport):
        super().__init__(sheet=sheet, report=report, fields=LEDGER_COLUMNS)
        self.by = by
        self.scope = scope_for(by)
        self._may_decide: dict[tuple, bool] = {}
        self._trace: list = []  # every change found, raw, for ``changes_sha256``

    def run(self) -> list[Draft]:
        if not self.read_headers():
            return []
        rows = self._read_rows()
        if not rows:
            self.error(self.sheet.header_row + 1, "", _("There are no rows below the header."))
            return []
        drafts = self._gather(rows)
        self._check_villages(drafts)
        self._check_registry_numbers(drafts)
        self._check_people(rows, drafts)
        for draft in drafts.values():
            self._complete(draft)
            self._check_household(draft)
        if not self.report.errors:
            self._build(drafts.values())
            self.report.changes_sha256 = hashlib.sha256(
                json.dumps(self._trace, default=str, ensure_ascii=False).encode()
            ).hexdigest()
        self.sort_errors()
        return list(drafts.values())

    def _read_rows(self) -> list[MemberRow]:
        rows = []
        absent = [c for c in MEMBER_COLUMNS if c.key not in self.position]
        for number, cells in self.cells():
            row = MemberRow(number=number)
            for key, value in cells.items():
                column = self.fields[key]
                # Household cells may be left blank below the household's first row (merged).
                if column.household and key != "registry_number" and is_blank(value):
                    continue
                if column.maskable and isinstance(value, str) and "*" in value:
                    row.values[key] = Masked(value.strip())
                    continue
                if not column.household and not column.required and is_blank(value):
                    row.blank.add(key)
                if self.read_cell(row, key, value) and key == "id_number":
                    self._read_id_number(row, value)
            for column in absent:
                row.values[column.key] = column.default
                row.blank.add(column.key)
            rows.append(row)
        return rows

    def _read_id_number(self, row: MemberRow, value) -> None:
        try:
            if isinstance(value, float):
                raise InvalidIdNumber("stored as a number")
            row.facts = parse_id_number(row.values["id_number"])
        except InvalidIdNumber as exc:
            row.failed.add("id_number")
            if isinstance(value, int | float):
                reason = _(
                    "The ID number was stored as a number and Excel dropped its last digits; "
                    "format the column as text and type the number again."
                )
            else:
                # The same message as the registry's own form (services.identify).
                reason = _("Invalid ID number: %(reason)s") % {"reason": exc}
            self.error(row.number, "id_number", reason)
            return
        row.digest = crypto.lookup_hash(row.facts.number)

    def _gather(self, rows: list[MemberRow]) -> dict[str, Draft]:
        drafts: dict[str, Draft] = {}
        for row in rows:
            number = row.values.get("registry_number")
            if number is None:
                continue
            draft = drafts.setdefault(number, Draft(registry_number=number))
            draft.rows.append(row)
            for column in HOUSEHOLD_COLUMNS:
                key = column.key
                if key not in row.values or key == "registry_number":
                    continue
                if key not in draft.values:
                    draft.values[key] = row.values[key]
                    draft.value_rows[key] = row.number
                elif draft.values[key] != row.values[key]:
                    self.error(
                        row.number,
                        key,
                        _(
                            "Differs from row %(first)d of household %(number)s; a household's "
                            "columns must be the same on all its rows."
                        )
                        % {"first": draft.value_rows[key], "number": number},
                    )
        return drafts
