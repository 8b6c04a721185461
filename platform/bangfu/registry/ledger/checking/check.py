"""The check itself (``LedgerCheck``): reading rows, finding problems, building changes."""

import hashlib
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.core.masking import mask_id_number, mask_name
from bangfu.core.sheet_checking import SheetCheck, is_blank
from bangfu.core.validators import validate_registry_number
from bangfu.regions.models import Region, counties_of
from bangfu.registry import hooks, identity
from bangfu.registry.decision_rights import may_confirm
from bangfu.registry.ledger.checking.helpers import _chunks, _masked_new, _names, _shown
from bangfu.registry.ledger.checking.records import (
    _MASKS,
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_READ,
    MEMBER_FIELDS,
    MEMBER_READ,
    STATUS_FIELDS,
    Draft,
    LedgerReport,
    Masked,
    MemberRow,
    StatusChange,
)
from bangfu.registry.ledger.columns import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_TEKUN,
    LEDGER_COLUMNS,
    MEMBER_COLUMNS,
    Column,
)
from bangfu.registry.models import (
    Coverage,
    Household,
    HouseholdTier,
    Member,
    PersonalStatus,
    StatusDecision,
)


class LedgerCheck(SheetCheck):
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
        """A registry number already in use in the importer's area names the household the rows
        update; in use outside it, the number is refused neutrally (``identity``), as the
        registry's form refuses it."""
        holders, mine = [], {}
        members = Prefetch("members", queryset=Member.objects.order_by("pk"))
        for chunk in _chunks(sorted(drafts)):
            holders += Household.objects.filter(registry_number__in=chunk).select_related("region")
            mine.update(
                (household.registry_number, household)
                for household in Household.objects.for_user(self.by)
                .filter(registry_number__in=chunk)
                .select_related("region")
                .prefetch_related(members)
            )
        refusals = []
        locked = {
            k: v
            for lock in hooks.ledger_locked_households
            for k, v in lock([*mine.values()]).items()
        }
        for holder in sorted(holders, key=lambda household: household.registry_number):
            number, draft = holder.registry_number, drafts[holder.registry_number]
            if number in mine and holder.pk in locked:
                self.error(draft.rows[0].number, "registry_number", locked[holder.pk])
                continue
            if number in mine:
                draft.household, draft.existing = mine[number], True
                if draft.region is not None and draft.region.pk != holder.region_id:
                    self.error(
                        draft.value_rows["village_code"],
                        "village_code",
                        _(
                            "Household %(number)s is registered in %(village)s; an import does "
                            "not move a household: change its village on the household's page."
                        )
                        % {"number": number, "village": holder.region.name},
                    )
                continue
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
            self.error(draft.rows[0].number, "registry_number", identity.REGISTRY_NUMBER_REFUSED)
        identity.refusals_record(refusals)

    @property
    def _source(self) -> str:
        source = identity.Source
        return source.LEDGER_DRY_RUN if self.report.dry_run else source.LEDGER_IMPORT

    def _check_people(self, rows: list[MemberRow], drafts: dict[str, Draft]) -> None:
        """Each person once in the file; a person registered in the importer's area is updated
        by a row of their own household, refused on any other row (naming the household), and
        a person registered outside the area is refused neutrally (``identity``)."""
        seen: dict[str, int] = {}
        for row in rows:
            if row.facts is None:
                continue
            first = seen.setdefault(row.facts.number, row.number)
            if first != row.number:
                row.failed.add("id_number")
                self.error(row.number, "id_number", self._twice(first, row.number))
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
                draft = drafts.get(row.values.get("registry_number"))
                if (
                    holder.pk in mine
                    and draft is not None
                    and draft.existing
                    and holder.household_id == draft.household.pk
                ):
                    # The household's own prefetched member, so its changes are seen.
                    row.member = next(m for m in draft.household.members.all() if m.pk == holder.pk)
                    continue
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
        self._match_masked_ids(rows, drafts)
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

    def _match_masked_ids(self, rows: list[MemberRow], drafts: dict[str, Draft]) -> None:
        """A masked ID number (3501**********123X, as the masked export writes it) names the
        member of the row's registered household whose number it masks."""
        updated: dict[int, int] = {}  # member pk → the row that updates them
        for row in rows:
            masked = row.values.get("id_number")
            if isinstance(masked, Masked):
                draft = drafts.get(row.values.get("registry_number"))
                if draft is None or not draft.existing:
                    row.failed.add("id_number")
                    self.error(row.number, "id_number", _masked_new(_("a new household")))
                    continue
                found = [
                    member
                    for member in draft.household.members.all()
                    if mask_id_number(member.id_number) == masked.text
                ]
                if len(found) > 1:
                    # Two members' numbers may mask alike (the same first and last four): the
                    # name tells them apart.
                    found = [member for member in found if _names(member, row.values.get("name"))]
                if len(found) != 1:
                    row.failed.add("id_number")
                    self.error(
                        row.number,
                        "id_number",
                        _(
                            "No single member of household %(number)s has this masked ID "
                            "number; write the number in full."
                        )
                        % {"number": draft.registry_number},
                    )
                    continue
                row.member = found[0]
            if row.member is not None:
                first = updated.setdefault(row.member.pk, row.number)
                if first != row.number:
                    row.failed.add("id_number")
                    self.error(row.number, "id_number", self._twice(first, row.number))

    @staticmethod
    def _twice(first: int, row: int) -> str:
        return _(
            "The same person (ID number) is on rows %(first)d and %(row)d; list each person once."
        ) % {"first": first, "row": row}

    def _complete(self, draft: Draft) -> None:
        """The values the household and each member will have: a blank or masked cell keeps
        the registered value; a new household or member takes the defaults and may not be
        masked. 特困 in the household's column is the members' status (``HOUSEHOLD_TEKUN``)."""
        first = draft.rows[0].number
        household = draft.household if draft.existing else None
        for column in HOUSEHOLD_COLUMNS:
            key = column.key
            if any(key in row.failed for row in draft.rows) or key == "registry_number":
                continue
            if key == "village_code":
                if key not in draft.values and not draft.existing:
                    self.error(first, key, _("This cell is required."))
                continue
            value = draft.values.get(key)
            if household is not None:
                current = getattr(household, key)
                if key not in draft.values:
                    draft.values[key] = current
                elif isinstance(value, Masked):
                    self._unmask(draft.value_rows[key], column, value, current)
                    draft.values[key] = current
            elif key not in draft.values:
                if column.required:
                    self.error(first, key, _("This cell is required."))
                else:
                    draft.values[key] = "" if key == "phone" else column.default
            elif isinstance(value, Masked):
                self.error(draft.value_rows[key], key, _masked_new(_("a new household")))
        if draft.values.get("household_tier") == HOUSEHOLD_TEKUN:
            draft.values["household_tier"], draft.tekun = HouseholdTier.NONE, True
        for row in draft.rows:
            self._complete_member(draft, row)

    def _complete_member(self, draft: Draft, row: MemberRow) -> None:
        if "id_number" in row.failed:
            return  # whom the row is about is not known: its error says why
        member = row.member
        for column in MEMBER_COLUMNS:
            key = column.key
            if key == "id_number" or key in row.failed:
                continue
            value = row.values.get(key)
            if member is not None:
                current = getattr(member, key)
                if isinstance(value, Masked):
                    self._unmask(row.number, column, value, current)
                    row.values[key] = current
                elif key in row.blank:
                    row.values[key] = current
            elif isinstance(value, Masked):
                row.failed.add(key)
                self.error(row.number, key, _masked_new(_("a new member")))
        if (
            member is not None
            and "disability_grade" in row.blank
            and row.values.get("disability") == Member.Disability.NONE
        ):
            row.values["disability_grade"] = None  # a grade kept from the registry goes with it
        if draft.tekun and "personal_status" not in row.failed:
            if "personal_status" in row.blank:
                row.values["personal_status"] = PersonalStatus.TEKUN
            elif row.values["personal_status"] != PersonalStatus.TEKUN:
                self.error(
                    row.number,
                    "personal_status",
                    _(
                        "The household's column says 特困, which makes each of its members "
                        "特困, but this member's own column does not. 特困 is a person's "
                        "status: write the household's own status (低保, 低保边缘, 支出型困难 or "
                        "无) in 救助类别 and 特困 in 个人救助类别 of each destitute member."
                    ),
                )

    def _unmask(self, row: int, column: Column, masked: Masked, current) -> None:
        """A masked cell keeps the registered value, if it masks that value."""
        if _MASKS[column.key](current or "") != masked.text:
            self.error(
                row,
                column.key,
                _(
                    "This cell is masked but does not match the registered value; write it in "
                    "full, or copy it from a new export."
                ),
            )

    def _check_household(self, draft: Draft) -> None:
        relation = self.header["relation"]
        # A row whose person is not known (an ID number refused) has its error already.
        if not any({"relation", "id_number"} & row.failed for row in draft.rows):
            heads = [r.number for r in draft.rows if r.values["relation"] == Member.Relation.HEAD]
            # A registered head the file leaves out stays the head.
            listed = {row.member.pk for row in draft.rows if row.member is not None}
            kept = draft.existing and any(
                m.relation == Member.Relation.HEAD and m.pk not in listed
                for m in draft.household.members.all()
            )
            if not heads and not kept:
                self.error(
                    draft.rows[0].number,
                    relation,
                    _("Household %(number)s has no head: mark one member as 户主.")
                    % {"number": draft.registry_number},
                )
            elif kept and heads:
                self.error(
                    heads[0],
                    relation,
                    _(
                        "Household %(number)s already has a registered head who is not in the "
                        "file; list them with their new relation, or give this member another."
                    )
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
        """Build the model objects (new ones, or registered ones with the file's values) and
        let the models' own field validation have its say; list every change in the report."""
        for draft in drafts:
            if draft.existing:
                self._build_update(draft)
            else:
                self._build_new(draft)

    def _build_new(self, draft: Draft) -> None:
        """A new household and its members, created without a status: each status the file
        gives comes by a decision (or a recommendation), the file its reference."""
        household = Household(
            registry_number=draft.registry_number,
            region=draft.region,
            **{key: draft.values[key] for key in HOUSEHOLD_FIELDS}
            | {"household_tier": HouseholdTier.NONE},
        )
        self._validate(
            household, exclude=HOUSEHOLD_READ, rows=draft.value_rows, first=draft.rows[0].number
        )
        draft.household = household
        self._trace.append(["create", draft.registry_number, draft.values])
        self._status(
            draft, None, HouseholdTier.NONE, draft.values["household_tier"], draft.rows[0].number
        )
        for row in draft.rows:
            member = self._new_member(household, row, personal_status=PersonalStatus.NONE)
            draft.members.append(member)
            self._trace.append(["create", row.digest, row.values])
            self._status(
                draft, member, PersonalStatus.NONE, row.values["personal_status"], row.number
            )
        self.report.households_created += 1
        self.report.members_created += len(draft.members)
        self.report.changes.append(
            {
                "household": draft.registry_number,
                "member": "",
                "action": "create",
                "members": len(draft.members),
                "fields": [],
            }
        )

    def _new_member(self, household: Household, row: MemberRow, **overrides) -> Member:
        member = Member(
            household=household,
            id_number=row.facts.number,
            id_number_hash=row.digest,
            birth_date=row.facts.birth_date,
            sex=row.facts.sex,
            **{key: row.values[key] for key in MEMBER_FIELDS} | overrides,
        )
        self._validate(member, exclude=MEMBER_READ, first=row.number)
        return member

    def _build_update(self, draft: Draft) -> None:
        household, number = draft.household, draft.registry_number
        fields = self._assign(household, draft.values, HOUSEHOLD_FIELDS)
        self._validate(
            household, exclude=HOUSEHOLD_READ, rows=draft.value_rows, first=draft.rows[0].number
        )
        draft.changed_fields = [key for key, _old, _new in fields]
        self._trace.append(["update", number, fields])
        if fields:
            self.report.households_updated += 1
            self.report.changes.append(
                {
                    "household": number,
                    "member": "",
                    "action": "update",
                    "members": 0,
                    "fields": _shown(fields),
                }
            )
        self._status(
            draft,
            None,
            household.household_tier,
            draft.values["household_tier"],
            draft.value_rows.get("household_tier", draft.rows[0].number),
        )
        for row in draft.rows:
            member = row.member
            if member is None:
                # A new member of a registered household: their status comes by a decision.
                member = self._new_member(household, row, personal_status=PersonalStatus.NONE)
                draft.members.append(member)
                self._trace.append(["create", row.digest, row.values])
                self.report.members_created += 1
                self.report.changes.append(
                    {
                        "household": number,
                        "member": mask_name(member.name),
                        "action": "create",
                        "members": 0,
                        "fields": [],
                    }
                )
            else:
                fields = self._assign(member, row.values, MEMBER_FIELDS)
                self._validate(member, exclude=MEMBER_READ, first=row.number)
                self._trace.append(["update", member.pk, fields])
                if fields:
                    draft.updated_members.append((member, [key for key, _o, _n in fields]))
                    self.report.members_updated += 1
                    self.report.changes.append(
                        {
                            "household": number,
                            "member": mask_name(member.name),
                            "action": "update",
                            "members": 0,
                            "fields": _shown(fields),
                        }
                    )
            self._status(
                draft, member, member.personal_status, row.values["personal_status"], row.number
            )

    @staticmethod
    def _assign(instance, values: dict, keys: list[str]) -> list[tuple[str, object, object]]:
        """Set the changed fields (statuses apart) on ``instance``: [(key, old, new)]."""
        changed = []
        for key in keys:
            old, new = getattr(instance, key), values[key]
            if key in STATUS_FIELDS or old == new:
                continue
            changed.append((key, old, new))
            setattr(instance, key, new)
        return changed

    def _status(self, draft: Draft, member: Member | None, old: str, new: str, row: int) -> None:
        """A status the file changes: recorded as a decision if the importer may decide it
        (``decision_rights.may_confirm``: a township reviewer, a county's bureau manager), else a
        recommendation for the township ("审核确认权下放至乡镇（街道）", 003). Only statuses of
        registered households and people are listed in the preview's status changes."""
        if old == new:
            return
        key = "household_tier" if member is None else "personal_status"
        # Who may decide depends on the household's region and the status (the policy's
        # ``status_confirmed_at_county``), so it is asked once for each.
        asked = (draft.household.region_id, old if new == Coverage.NONE else new)
        if asked not in self._may_decide:
            decision = StatusDecision(
                household=draft.household, member=member, from_status=old, to_status=new
            )
            self._may_decide[asked] = may_confirm(self.by, decision)
        decide = self._may_decide[asked]
        draft.status_changes.append(
            StatusChange(draft.household, member, old, new, row, key, decide)
        )
        self._trace.append(["status", draft.registry_number, row, old, new, decide])
        if decide:
            self.report.decisions_recorded += 1
        else:
            self.report.decisions_proposed += 1
        if not draft.existing:
            return
        self.report.status_changes.append(
            {
                "household": draft.registry_number,
                "member": mask_name(member.name) if member is not None else "",
                "old": str(Coverage(old).label),
                "new": str(Coverage(new).label),
                "proposed": not decide,
            }
        )

    def _validate(self, instance, *, exclude: list[str], first: int, rows=None) -> None:
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row = (rows or {}).get(name, first)
                for message in messages:
                    self.error(row, name, message)
