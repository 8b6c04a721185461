"""The values a drafted household and its members will have, and the household's own checks."""

from django.utils.translation import gettext as _

from bangfu.registry.ledger.checking.helpers import _masked_new
from bangfu.registry.ledger.checking.records import _MASKS, Draft, Masked, MemberRow
from bangfu.registry.ledger.columns import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_TEKUN,
    MEMBER_COLUMNS,
    Column,
)
from bangfu.registry.models import HouseholdTier, Member, PersonalStatus


class CompletionChecks:
    """Part of ``LedgerCheck``: blank and masked cells against the registered values, 特困 in the
    household's column, one head per household, a grade with each disability."""

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
