"""From checked drafts to model objects, the preview's changes and the status decisions."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from bangfu.core.masking import mask_name
from bangfu.registry.decision_rights import may_confirm
from bangfu.registry.ledger.checking.helpers import _shown
from bangfu.registry.ledger.checking.records import (
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_READ,
    MEMBER_FIELDS,
    MEMBER_READ,
    STATUS_FIELDS,
    Draft,
    MemberRow,
    StatusChange,
)
from bangfu.registry.models import (
    Coverage,
    Household,
    HouseholdTier,
    Member,
    PersonalStatus,
    StatusDecision,
)


class ChangeBuilding:
    """Part of ``LedgerCheck``: the objects the import writes, each change listed (masked) for the
    preview, and each status change a decision or a recommendation."""

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
