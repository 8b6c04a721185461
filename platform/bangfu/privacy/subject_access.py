"""The subject-access export (查阅复制, 个人信息保护法 art. 45): everything Bangfu holds about one
person, for the bureau to hand over on request.

The person is found by their ID number through the registry's keyed hash, among the members of
the user's own area only: a number held elsewhere gets the same answer as one held nowhere.
The workbook has a sheet per subject; it holds the person's own data and their household's,
never another member's personal fields. Each export is audited on the member (an "access"
entry with ``{"subject_access": member pk}``), in the same transaction as the reading.
"""

import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from decimal import Decimal

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.core.spreadsheets import WorkbookStamp, safe_row
from bangfu.discovery.models import CandidatePerson, Flag, SourceRecord, Task
from bangfu.privacy.access import makes_subject_access, require
from bangfu.referrals.models import (
    Feedback,
    HelpRequest,
    IntakeCase,
    Referral,
    ReferralEvent,
    ServiceSession,
)
from bangfu.registry import services as registry_services
from bangfu.registry.models import (
    Assessment,
    Member,
    Need,
    StatusDecision,
    TemporaryGrant,
)
from bangfu.registry.selectors import members_for

MEMBER_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    *registry_services.MEMBER_FIELDS[1:],
    "is_employed",
    "personal_status",
    "created_at",
    "updated_at",
]
HOUSEHOLD_FIELDS = [
    "registry_number",
    "region",
    "address",
    "phone",
    "latitude",
    "longitude",
    "languages",
    "residence",
    "financial_assets",
    "tier",
    "household_tier",
    "status",
    "enrolled_on",
    "exit_reason",
    "exited_on",
    "gradual_exit_until",
    "next_review_due",
]
BOLD = Font(bold=True)
# Characters Excel refuses in a sheet's name (a translation may bring one).
SHEET_TITLE_REFUSED = re.compile(r"[\\*?:/\[\]]")


def subject_find(*, id_number: str, by) -> Member:
    """The member with ``id_number`` in ``by``'s area; a ValidationError on ``id_number``
    otherwise (invalid, or no one in the area: the same answer wherever else it may be)."""
    require(
        makes_subject_access(by),
        _("Subject-access exports are made by bureau staff who may reveal ID numbers."),
    )
    try:
        number = parse_id_number(id_number).number
    except InvalidIdNumber as exc:
        raise ValidationError(
            {"id_number": _("Invalid ID number: %(reason)s") % {"reason": exc}}
        ) from None
    member = members_for(by).filter(id_number_hash=crypto.lookup_hash(number)).first()
    if member is None:
        raise ValidationError(
            {"id_number": _("No member of a household in your area has this ID number.")}
        )
    return member


@transaction.atomic
def subject_access_export(*, id_number: str, purpose: str, by) -> tuple[Member, bytes]:
    """The person's workbook, audited: (member, the .xlsx file's bytes)."""
    member = subject_find(id_number=id_number, by=by)
    LogEntry.objects.log_create(
        member,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by,
        additional_data={
            "subject_access": member.pk,
            "household": member.household.registry_number,
            "purpose": purpose,
        },
    )
    workbook = Workbook(write_only=True)
    stamp = WorkbookStamp.for_user(
        by, note=_("Subject-access copy (查阅复制) of %(name)s") % {"name": member.masked_name}
    )
    for title, headers, rows in _sheets(member):
        sheet = workbook.create_sheet(SHEET_TITLE_REFUSED.sub(" ", title)[:31])
        sheet.append(safe_row(sheet, [stamp.line]))
        sheet.append(safe_row(sheet, headers, font=BOLD))
        for row in rows:
            sheet.append(safe_row(sheet, row))
    stamp.apply(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return member, buffer.getvalue()


def _sheets(member: Member) -> Iterable[tuple[str, list[str], Iterable[list]]]:
    household = member.household
    field_headers = [_("Field"), _("Value")]
    yield _("Person"), field_headers, _record(member, MEMBER_FIELDS)
    yield _("Household"), field_headers, _record(household, HOUSEHOLD_FIELDS)
    own = Q(member__isnull=True) | Q(member=member)
    yield _table(
        _("Status decisions"),
        StatusDecision.objects.filter(own, household=household),
        [
            "created_at",
            "kind",
            "state",
            "from_status",
            "to_status",
            "exit_reason",
            "note",
            "decided_at",
            "reference",
            "effective_on",
            "rejection_reason",
        ],
    )
    yield _table(
        _("Grants"),
        TemporaryGrant.objects.filter(own, household=household),
        ["created_at", "kind", "state", "granted_on", "amount", "reason", "reference"],
    )
    yield _table(
        _("Visits"),
        Assessment.objects.filter(household=household).select_related("assessor"),
        ["assessed_on", "assessor", "summary"],
    )
    needs = Need.objects.filter(household=household).select_related("category")
    yield _table(
        _("Needs"),
        needs,
        ["opened_on", "category", "severity", "urgency", "preferred_times", "notes", "status"],
    )
    yield _history(_("Needs, history"), LogEntry.objects.get_for_objects(needs))
    referrals = Referral.objects.filter(need__household=household).select_related(
        "need__category", "provider"
    )
    yield _table(
        _("Referrals"),
        referrals,
        [
            "sent_at",
            "need",
            "provider",
            "note_to_provider",
            "status",
            "accepted_at",
            "first_service_on",
            "ended_at",
            "decline_reason",
            "decline_note",
            "close_reason",
            "outcome_note",
        ],
    )
    yield _table(
        _("Referral events"),
        ReferralEvent.objects.filter(referral__in=referrals),
        ["at", "referral", "action", "from_status", "to_status", "reason", "note"],
    )
    yield _table(
        _("Service sessions"),
        ServiceSession.objects.filter(referral__in=referrals).select_related("category"),
        ["held_on", "referral", "category", "duration_minutes", "notes"],
    )
    yield _table(
        _("Feedback"),
        Feedback.objects.filter(referral__in=referrals),
        ["recorded_at", "referral", "satisfaction", "comments"],
    )
    yield _table(
        _("Warnings"),
        Flag.objects.filter(Q(household=household, member__isnull=True) | Q(member=member)),
        ["fired_on", "rule", "evidence"],
    )
    # Other departments' files, by the member or by the ID number's hash (a row read before
    # the person was registered, or of a later file not yet linked).
    theirs = Q(member=member) | Q(person_hash=member.id_number_hash)
    yield _table(
        _("Other departments' records"),
        SourceRecord.objects.filter(theirs).select_related("crosscheck_import"),
        ["crosscheck_import", "source", "period_start", "data"],
    )
    yield _table(
        _("Found in others' files"),
        CandidatePerson.objects.filter(
            Q(member=member) | Q(id_number_hash=member.id_number_hash)
        ).select_related("region", "first_import"),
        ["created_at", "name", "birth_date", "sex", "region", "address", "first_import"],
    )
    yield _table(
        _("Tasks"),
        Task.objects.filter(household=household),
        ["created_at", "kind", "due_on", "status", "outcome", "note", "completed_on"],
    )
    intakes = IntakeCase.objects.filter(household=household)
    yield _table(
        _("Intake cases"),
        intakes,
        ["opened_at", "source", "caller_name", "caller_phone", "description", "status"],
    )
    yield _table(
        _("Help requests"),
        HelpRequest.objects.filter(intake__in=intakes),
        [
            "submitted_at",
            "code",
            "status",
            "acknowledged_at",
            "closed_at",
            "close_reason",
            "close_details",
            "department",
        ],
    )
    yield _history(
        _("Access to the ID number"),
        LogEntry.objects.get_for_object(member).filter(action=LogEntry.Action.ACCESS),
    )


def _record(instance: models.Model, names: list[str]) -> list[list]:
    """One row per field: its name and value."""
    return [
        [str(instance._meta.get_field(name).verbose_name), _cell(instance, name)] for name in names
    ]


def _table(title: str, queryset, names: list[str]) -> tuple[str, list[str], Iterable[list]]:
    model = queryset.model
    headers = [str(model._meta.get_field(name).verbose_name) for name in names]
    return title, headers, ([_cell(row, name) for name in names] for row in queryset)


def _history(title: str, entries) -> tuple[str, list[str], Iterable[list]]:
    """Audit entries: when, who, what, on which record, and the changes they name."""
    headers = [_("At"), _("By"), _("Action"), _("Record"), _("Changes"), _("Details")]
    rows = (
        [
            _plain(entry.timestamp),
            str(entry.actor or ""),
            entry.get_action_display(),
            entry.object_repr,
            _json(entry.changes_dict),
            _json(entry.additional_data or {}),
        ]
        for entry in entries.select_related("actor").order_by("timestamp", "pk")
    )
    return title, headers, rows


def _cell(instance: models.Model, name: str):
    field = instance._meta.get_field(name)
    if field.choices:
        return str(getattr(instance, f"get_{name}_display")())
    value = getattr(instance, name)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict | list):
        return _json(value)
    return _plain(value)


def _plain(value):
    """A value a spreadsheet cell holds: local time without zone, amounts as numbers."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | dt.date | str) or value is None:
        return value
    return str(value)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str) if value else ""
