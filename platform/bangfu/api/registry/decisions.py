"""Status decisions from the benefits system, many at once: an upsert, all or nothing.

Each row names a household by its registry number (its own status: 低保, 低保边缘, 支出型困难,
无) or a member by their ID number (a person's status: 特困, 单人纳保, 无), and gives the status
decided, the day it took effect and the benefits system's decision number. The rows are read
with the ledger import's words for statuses (``ledger.columns``) and recorded through
``registry.coverage.decision_record`` (source "decision of the benefits system"), which checks
what a decision may say and who may decide it (``decision_rights.may_decide``: a county's bureau
manager, or the township reviewer for what the policy leaves to the township) and writes it,
audited.

All of a request's rows are run through that service in one transaction, every row's problem
gathered (``rows[3].status``); unless every row is right, or when the request is a preview,
the transaction is rolled back: a preview shows exactly what the real run would do. A row whose
status is already held, or whose decision number is already recorded with it, is unchanged:
sending a batch twice records it once. A registry number or ID number not found in the user's
area is refused with one wording, whether it exists elsewhere or not; one held elsewhere is
audited as the ledger import audits it (``identity.refusals_record``).
"""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from bangfu.accounts.scoping import Role, role_region_paths
from bangfu.api.errors import error, flatten
from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.core.sheet_checking import CellError
from bangfu.regions.models import Region, levels_between
from bangfu.registry import identity
from bangfu.registry.coverage import decision_record
from bangfu.registry.ledger.columns.labels import PERSONAL_STATUSES, household_tier
from bangfu.registry.models import Coverage, ExitReason, Household, Member, StatusDecision

# What the audit of a number refused outside the user's area names as its source.
REFUSAL_SOURCE = "api_status_decisions"
# The service's field names, as a row names them.
ROW_FIELDS = {
    "to_status": "status",
    "kind": "status",
    "reference": "decision_number",
    "effective_on": "decided_on",
    "member": "id_number",
    "exit_reason": "exit_reason",
    "gradual_exit_months": "gradual_exit_months",
    "note": "note",
}


class DecisionRowSerializer(serializers.Serializer):
    registry_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=32, write_only=True
    )
    status = serializers.CharField(
        max_length=32,
        help_text="dibao, marginal, expenditure or none for a household; tekun, single_dibao "
        "or none for a member (the ledger's words, 低保 … 特困, are read too).",
    )
    decided_on = serializers.DateField(help_text="The day the decision takes effect.")
    decision_number = serializers.CharField(max_length=100)
    exit_reason = serializers.ChoiceField(
        choices=ExitReason.choices,
        required=False,
        allow_blank=True,
        help_text="Of an exit; none given: other (as the ledger import records it).",
    )
    gradual_exit_months = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, data):
        data["registry_number"] = data.get("registry_number", "").strip().upper()
        data["id_number"] = data.get("id_number", "").strip()
        if not data["registry_number"] and not data["id_number"]:
            raise serializers.ValidationError(
                {
                    "registry_number": _(
                        "Name the household by its registry number, or the member by their ID "
                        "number."
                    )
                },
                code="required",
            )
        return data


class StatusDecisionsRequestSerializer(serializers.Serializer):
    preview = serializers.BooleanField(
        default=False, help_text="Check and show the changes, write nothing (or ?preview=1)."
    )
    rows = DecisionRowSerializer(many=True)


class StatusDecisionChangeSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    registry_number = serializers.CharField()
    member = serializers.CharField(help_text="The member's masked name; empty: the household.")
    masked_id_number = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    kind = serializers.CharField()
    action = serializers.ChoiceField(choices=["change", "unchanged"])


class StatusDecisionProblemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class StatusDecisionsResultSerializer(serializers.Serializer):
    preview = serializers.BooleanField()
    rows = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="Decisions recorded (in a preview: to record).")
    unchanged = serializers.IntegerField()
    changes = StatusDecisionChangeSerializer(many=True)
    errors = StatusDecisionProblemSerializer(
        many=True, help_text="Empty unless a preview found problems."
    )


@dataclass
class Target:
    """A row's household, and its member when the row is about a person's status."""

    index: int
    row: dict
    household: Household | None = None
    member: Member | None = None
    status: str = ""


@dataclass
class Batch:
    preview: bool
    rows: int
    changes: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, index: int, name: str | None, code: str, message) -> None:
        path = f"rows[{index}]" + (f".{name}" if name else "")
        self.errors.append(error(path, code, message))

    def counts(self) -> dict:
        changed = sum(1 for change in self.changes if change["action"] == "change")
        return {"rows": self.rows, "changed": changed, "unchanged": len(self.changes) - changed}


def may_decide_somewhere(user) -> bool:
    """Whether ``user`` decides any status anywhere (``decision_rights``: a bureau manager of a
    county or above, a township reviewer); each row is then checked for its place and status."""
    managers = role_region_paths(
        user,
        (Role.BUREAU_MANAGER,),
        levels=levels_between(Region.Level.PROVINCE, Region.Level.COUNTY),
    )
    return managers is None or bool(managers or role_region_paths(user, (Role.TOWNSHIP_REVIEWER,)))


def status_decisions_upsert(*, by, rows: list, preview: bool) -> Batch:
    """Check every row and record its decision; keep all of them only if every row is right
    and this is no preview."""
    batch = Batch(preview=preview, rows=len(rows))
    targets = _read_rows(rows, batch)
    _find_households(targets, batch, by=by)
    _find_members(targets, batch, by=by)
    targets = _check_targets(targets, batch)
    with transaction.atomic():
        for target in targets:
            _record(target, batch, by=by)
        if preview or not batch.ok:
            transaction.set_rollback(True)
    batch.errors.sort(key=lambda entry: _row_of(entry["field"]))
    return batch


def _row_of(path: str) -> int:
    return int(path[len("rows[") : path.index("]")])


def _read_rows(rows: list, batch: Batch) -> list[Target]:
    targets = []
    for index, row in enumerate(rows):
        serializer = DecisionRowSerializer(data=row)
        if serializer.is_valid():
            targets.append(Target(index=index, row=serializer.validated_data))
        else:
            batch.errors += flatten(serializer.errors, f"rows[{index}]")
    return targets


def _find_households(targets: list[Target], batch: Batch, *, by) -> None:
    """The households named by registry number, in the user's area; a number held elsewhere is
    refused as one that does not exist (and audited)."""
    numbers = {target.row["registry_number"] for target in targets if target.row["registry_number"]}
    mine = {
        household.registry_number: household
        for household in Household.objects.for_user(by)
        .filter(registry_number__in=numbers)
        .select_related("region")
    }
    elsewhere = {
        household.registry_number: household
        for household in Household.objects.filter(
            registry_number__in=numbers - set(mine)
        ).select_related("region")
    }
    refusals = []
    for target in targets:
        number = target.row["registry_number"]
        if not number:
            continue
        target.household = mine.get(number)
        if target.household is None:
            batch.refuse(target.index, "registry_number", "not_found", _not_found())
            if number in elsewhere:
                holder = elsewhere[number]
                refusals.append(_refusal(by, holder, holder.region, number))
    identity.refusals_record(refusals)


def _find_members(targets: list[Target], batch: Batch, *, by) -> None:
    """The members named by ID number (by its keyed hash), in the user's area; a person
    registered elsewhere is refused as one not registered (and audited)."""
    digests = {}
    for target in targets:
        if not target.row["id_number"]:
            continue
        try:
            number = parse_id_number(target.row["id_number"]).number
        except InvalidIdNumber as reason:
            # The same message as the registry's own form and the ledger import.
            message = _("Invalid ID number: %(reason)s") % {"reason": reason}
            batch.refuse(target.index, "id_number", "invalid", message)
            continue
        digests[target.index] = crypto.lookup_hash(number)
    mine = {
        member.id_number_hash: member
        for member in Member.objects.for_user(by)
        .filter(id_number_hash__in=digests.values())
        .select_related("household__region")
    }
    elsewhere = {
        member.id_number_hash: member
        for member in Member.objects.filter(
            id_number_hash__in=set(digests.values()) - set(mine)
        ).select_related("household__region")
    }
    refusals = []
    for target in targets:
        digest = digests.get(target.index)
        if digest is None:
            continue
        member = mine.get(digest)
        if member is None:
            batch.refuse(target.index, "id_number", "not_found", _not_found())
            if digest in elsewhere:
                holder = elsewhere[digest]
                number = target.row["registry_number"]
                refusals.append(_refusal(by, holder, holder.household.region, number))
        elif target.row["registry_number"] and target.household is None:
            continue  # its registry number is refused already
        elif target.household is not None and target.household.pk != member.household_id:
            message = _("This person is not a member of household %(number)s.") % {
                "number": target.household.registry_number
            }
            batch.refuse(target.index, "id_number", "not_a_member", message)
        else:
            target.member, target.household = member, member.household
    identity.refusals_record(refusals)


def _not_found() -> str:
    return _("Not found in your area.")


def _refusal(by, holder, village: Region, attempt: str) -> identity.Refusal:
    return identity.Refusal(
        by=by,
        source=REFUSAL_SOURCE,
        held=holder,
        village=village,
        registering=False,
        attempt=attempt,
    )


def _check_targets(targets: list[Target], batch: Batch) -> list[Target]:
    """The rows whose household or person was found: each named once, its status read with
    the ledger's words for the household's or the person's statuses."""
    found, seen = [], {}
    for target in targets:
        if target.household is None:
            continue
        key = (target.household.pk, target.member.pk if target.member else None)
        first = seen.setdefault(key, target.index)
        if first != target.index:
            message = _(
                "The same household or person is on rows %(first)d and %(row)d; list each once."
            ) % {"first": first, "row": target.index}
            batch.refuse(target.index, "registry_number", "duplicate", message)
            continue
        read = PERSONAL_STATUSES.parse if target.member else household_tier
        try:
            target.status = read(target.row["status"])
        except CellError as reason:
            batch.refuse(target.index, "status", "invalid_choice", str(reason))
            continue
        found.append(target)
    return found


def _current(target: Target) -> str:
    if target.member is not None:
        return target.member.personal_status
    return target.household.household_tier


def _record(target: Target, batch: Batch, *, by) -> None:
    """The row's decision through the registry's service, in a savepoint of its own: a refused
    row leaves nothing behind and the next rows are still checked."""
    row, current = target.row, _current(target)
    recorded = StatusDecision.objects.filter(
        household=target.household,
        member=target.member,
        state=StatusDecision.State.CONFIRMED,
        reference=row["decision_number"],
        to_status=target.status,
    )
    if target.status == current or recorded.exists():
        batch.changes.append(_change(target, current, kind="", action="unchanged"))
        return
    exit_reason = row.get("exit_reason") or (
        ExitReason.OTHER if target.status == Coverage.NONE else ""
    )
    try:
        with transaction.atomic():
            decision = decision_record(
                by=by,
                household=target.household,
                member=target.member,
                to_status=target.status,
                reference=row["decision_number"],
                effective_on=row["decided_on"],
                source=StatusDecision.Source.STAFF,
                exit_reason=exit_reason,
                gradual_exit_months=row.get("gradual_exit_months"),
                note=row.get("note", ""),
            )
    except PermissionDenied as refusal:
        batch.refuse(target.index, "status", "permission_denied", str(refusal))
    except DjangoValidationError as refusal:
        for name, message, code in _messages(refusal):
            batch.refuse(target.index, name, code, message)
    else:
        batch.changes.append(_change(target, current, kind=decision.kind, action="change"))


def _messages(refusal: DjangoValidationError):
    """(row field, message, code) of a service's refusal."""
    if not hasattr(refusal, "error_dict"):
        return [(None, message, "invalid") for message in refusal.messages]
    return [
        (
            None if name == NON_FIELD_ERRORS else ROW_FIELDS.get(name, name),
            message,
            item.code or "invalid",
        )
        for name, items in refusal.error_dict.items()
        for item in items
        for message in item.messages
    ]


def _change(target: Target, current: str, *, kind: str, action: str) -> dict:
    member = target.member
    return {
        "row": target.index,
        "registry_number": target.household.registry_number,
        "member": member.masked_name if member else "",
        "masked_id_number": member.masked_id_number if member else "",
        "from_status": current,
        "to_status": target.status,
        "kind": kind,
        "action": action,
    }
