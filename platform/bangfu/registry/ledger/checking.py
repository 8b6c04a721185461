"""Checking a ledger: read every row, gather households, and find every problem with its row
and column before anything is written (``LedgerCheck``)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import crypto
from bangfu.core.id_numbers import IdFacts, InvalidIdNumber, parse_id_number
from bangfu.core.sheet_checking import ImportReport, Row, SheetCheck, is_blank
from bangfu.core.validators import validate_registry_number
from bangfu.regions.models import Region, counties_of
from bangfu.registry import identity
from bangfu.registry.ledger.columns import HOUSEHOLD_COLUMNS, LEDGER_COLUMNS, MEMBER_COLUMNS
from bangfu.registry.models import Household, Member
from bangfu.registry.services import MEMBER_FIELDS

# The model's own field validation runs on the free text and the amount (lengths, digits); the
# other fields hold what the column readers produced, already checked against the choices.
_MODEL_CHECKED = {"registry_number", "address", "phone", "name", "illness_note", "monthly_income"}
HOUSEHOLD_READ = [f.name for f in Household._meta.fields if f.name not in _MODEL_CHECKED]
MEMBER_READ = [f.name for f in Member._meta.fields if f.name not in _MODEL_CHECKED]
LOOKUP_CHUNK = 500  # values per "IN (…)" lookup
# Household model fields filled from the ledger (the village code becomes the region).
HOUSEHOLD_FIELDS = [
    c.key for c in HOUSEHOLD_COLUMNS if c.key not in {"registry_number", "village_code"}
]


@dataclass
class LedgerReport(ImportReport):
    households_created: int = 0  # in a dry run: how many a real import would create
    members_created: int = 0
    ledger_import_id: int | None = None  # the audit row; None for a dry run


@dataclass
class MemberRow(Row):
    facts: IdFacts | None = None
    digest: str = ""


@dataclass
class Draft:
    """A household gathered from the rows that share its registry number."""

    registry_number: str
    rows: list[MemberRow] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    value_rows: dict = field(default_factory=dict)  # key → the row that gave the value
    region: Region | None = None
    household: Household | None = None
    members: list[Member] = field(default_factory=list)


class LedgerCheck(SheetCheck):
    def __init__(self, *, by, sheet, report: LedgerReport):
        super().__init__(sheet=sheet, report=report, fields=LEDGER_COLUMNS)
        self.by = by
        self.scope = scope_for(by)

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
        self._check_people(rows)
        for draft in drafts.values():
            self._check_household(draft)
        if not self.report.errors:
            self._build(drafts.values())
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
                if self.read_cell(row, key, value) and key == "id_number":
                    self._read_id_number(row, value)
            for column in absent:
                row.values[column.key] = column.default
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
        for draft in drafts.values():
            first = draft.rows[0].number
            for column in HOUSEHOLD_COLUMNS:
                if column.key in draft.values or column.key == "registry_number":
                    continue
                if any(column.key in row.failed for row in draft.rows):
                    continue
                if column.required:
                    self.error(first, column.key, _("This cell is required."))
                elif not column.required:
                    draft.values[column.key] = "" if column.key == "phone" else None
        return drafts

    def _check_villages(self, drafts: dict[str, Draft]) -> None:
        codes = {d.values["village_code"] for d in drafts.values() if "village_code" in d.values}
        regions = {
            region.code: region
            for chunk in _chunks(sorted(codes))
            for region in Region.objects.filter(code__in=chunk)
        }
        for draft in drafts.values():
            code = draft.values.get("village_code")
            if code is None:
                continue
            row = draft.value_rows["village_code"]
            region = regions.get(code)
            if region is None:
                self.error(
                    row, "village_code", _("Unknown village code %(code)s.") % {"code": code}
                )
            elif region.level != Region.Level.VILLAGE:
                self.error(
                    row,
                    "village_code",
                    _("%(code)s is the code of %(name)s, not of a village or community.")
                    % {"code": code, "name": region.name},
                )
            elif not self.scope.covers(region):
                self.error(
                    row,
                    "village_code",
                    _("%(name)s (%(code)s) is outside your area.")
                    % {"name": region.name, "code": code},
                )
            else:
                draft.region = region
        self._check_number_patterns([draft for draft in drafts.values() if draft.region])

    def _check_number_patterns(self, drafts: list[Draft]) -> None:
        """The registry's numbering rule (the one ``Household.clean`` applies on the form)."""
        counties = counties_of({draft.region.pk: draft.region for draft in drafts}.values())
        for draft in drafts:
            county = counties[draft.region.pk]
            try:
                validate_registry_number(draft.registry_number, county_code=county.code)
            except ValidationError as error:
                self.error(draft.rows[0].number, "registry_number", error.messages[0])

    def _check_registry_numbers(self, drafts: dict[str, Draft]) -> None:
        """Rule: a ledger import only adds households. A registry number already in use is
        refused: naming the household inside the importer's area, neutrally outside it."""
        holders, mine = [], set()
        for chunk in _chunks(sorted(drafts)):
            holders += Household.objects.filter(registry_number__in=chunk).select_related("region")
            mine.update(
                Household.objects.for_user(self.by)
                .filter(registry_number__in=chunk)
                .values_list("registry_number", flat=True)
            )
        refusals = []
        for holder in sorted(holders, key=lambda household: household.registry_number):
            number, draft = holder.registry_number, drafts[holder.registry_number]
            if number in mine:
                reason = _(
                    "Household %(number)s is already registered; the import only adds new "
                    "households. Change it in the registry, or leave it out of the file."
                ) % {"number": number}
            else:
                reason = identity.REGISTRY_NUMBER_REFUSED
                refusals.append(
                    identity.Refusal(
                        by=self.by,
                        source=self._source,
                        held=holder,
                        village=holder.region,
                        registering=False,
                        attempt=number,
                        attempt_village=draft.region,
                    )
                )
            self.error(draft.rows[0].number, "registry_number", reason)
        identity.refusals_record(refusals)

    @property
    def _source(self) -> str:
        source = identity.Source
        return source.LEDGER_DRY_RUN if self.report.dry_run else source.LEDGER_IMPORT

    def _check_people(self, rows: list[MemberRow]) -> None:
        seen: dict[str, int] = {}
        for row in rows:
            if row.facts is None:
                continue
            first = seen.setdefault(row.facts.number, row.number)
            if first != row.number:
                row.failed.add("id_number")
                self.error(
                    row.number,
                    "id_number",
                    _(
                        "The same person (ID number) is on rows %(first)d and %(row)d; list each "
                        "person once."
                    )
                    % {"first": first, "row": row.number},
                )
        by_digest = {row.digest: row for row in rows if row.facts is not None}
        refused: list[tuple[MemberRow, Member]] = []
        for chunk in _chunks(sorted(by_digest)):
            holders = Member.objects.filter(id_number_hash__in=chunk).select_related(
                "household__region"
            )
            mine = set(
                Member.objects.for_user(self.by)
                .filter(id_number_hash__in=chunk)
                .values_list("pk", flat=True)
            )
            for holder in holders:
                row = by_digest[holder.id_number_hash]
                row.failed.add("id_number")
                if holder.pk in mine:
                    # The same message as the registry's own form (identity.id_number_check).
                    reason = _("This person is already registered in household %(number)s.") % {
                        "number": holder.household.registry_number
                    }
                else:
                    reason = identity.ID_NUMBER_TO_VERIFY
                    refused.append((row, holder))
                self.error(row.number, "id_number", reason)
        codes = {row.values.get("village_code") for row, _holder in refused}
        villages = Region.objects.in_bulk([code for code in codes if code], field_name="code")
        identity.refusals_record(
            [
                identity.Refusal(
                    by=self.by,
                    source=self._source,
                    held=holder,
                    village=holder.household.region,
                    attempt=row.values.get("registry_number") or "",
                    attempt_village=villages.get(row.values.get("village_code")),
                )
                for row, holder in refused
            ]
        )

    def _check_household(self, draft: Draft) -> None:
        relation = self.header["relation"]
        if not any("relation" in row.failed for row in draft.rows):
            heads = [r.number for r in draft.rows if r.values["relation"] == Member.Relation.HEAD]
            if not heads:
                self.error(
                    draft.rows[0].number,
                    relation,
                    _("Household %(number)s has no head: mark one member as 户主.")
                    % {"number": draft.registry_number},
                )
            elif len(heads) > 1:
                self.error(
                    heads[1],
                    relation,
                    _("Household %(number)s has more than one head (rows %(rows)s).")
                    % {"number": draft.registry_number, "rows": ", ".join(map(str, heads))},
                )
        for row in draft.rows:
            if {"disability", "disability_grade"} & row.failed:
                continue
            kind, grade = row.values["disability"], row.values["disability_grade"]
            if kind == Member.Disability.NONE and grade is not None:
                self.error(
                    row.number,
                    "disability_grade",
                    _("A disability grade needs a disability type; fill in 残疾类别."),
                )
            elif kind != Member.Disability.NONE and grade is None:
                self.error(
                    row.number,
                    "disability_grade",
                    _("Give the grade of this disability: 1 to 4 (一级 to 四级)."),
                )

    def _build(self, drafts: Iterable[Draft]) -> None:
        """Build the model objects and let the models' own field validation have its say."""
        for draft in drafts:
            household = Household(
                registry_number=draft.registry_number,
                region=draft.region,
                **{key: draft.values[key] for key in HOUSEHOLD_FIELDS},
            )
            self._validate(
                household, exclude=HOUSEHOLD_READ, rows=draft.value_rows, first=draft.rows[0].number
            )
            draft.household = household
            for row in draft.rows:
                member = Member(
                    household=household,
                    id_number=row.facts.number,
                    id_number_hash=row.digest,
                    birth_date=row.facts.birth_date,
                    sex=row.facts.sex,
                    **{key: row.values[key] for key in MEMBER_FIELDS},
                )
                self._validate(member, exclude=MEMBER_READ, first=row.number)
                draft.members.append(member)

    def _validate(self, instance, *, exclude: list[str], first: int, rows=None) -> None:
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row = (rows or {}).get(name, first)
                for message in messages:
                    self.error(row, name, message)


def _chunks(values: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]
