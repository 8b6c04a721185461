"""Deliveries against a project's lines: recorded by bureau staff, or by a session of the
agency's staff on a referral to the project (the project kind's ``record_service``)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import holds_membership
from bangfu.procurement.models import DeliveryRecord, Project, ProjectLine
from bangfu.procurement.roles import EDIT_ROLES
from bangfu.procurement.services.cap import require_role
from bangfu.registry.models import Household, ServiceCategory


def _deliver(*, project: Project, by, line: ProjectLine, delivered_on: dt.date, **fields):
    if project.status != Project.Status.IN_PROGRESS:
        raise ValidationError(_("Deliveries are recorded while the project is in progress."))
    if line.project_id != project.pk:
        raise ValidationError({"line": _("This line belongs to another project.")})
    if not project.starts_on <= delivered_on <= project.ends_on:
        raise ValidationError({"delivered_on": _("The date lies outside the contract period.")})
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("The date cannot be in the future.")})
    record = DeliveryRecord(
        project=project, line=line, delivered_on=delivered_on, recorded_by=by, **fields
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def delivery_record(
    *,
    project: Project,
    by,
    line: ProjectLine,
    delivered_on: dt.date,
    quantity: Decimal,
    household: Household | None = None,
    satisfaction: int | None = None,
    note: str = "",
) -> DeliveryRecord:
    """Bureau staff record a quantity delivered under a line of a project in progress (work
    done outside a referral: screenings, trainings, a group activity)."""
    project = Project.objects.select_related("region").get(pk=project.pk)
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if household is not None and (
        not household.region.is_within(project.region)
        or not Household.objects.for_user(by).filter(pk=household.pk).exists()
    ):
        raise ValidationError({"household": _("This household is outside the project's region.")})
    return _deliver(
        project=project,
        by=by,
        line=line,
        delivered_on=delivered_on,
        quantity=quantity,
        household=household,
        satisfaction=satisfaction,
        note=note,
    )


# A refusal of a session names the session's own fields, not the delivery's.
SESSION_FIELDS = {"delivered_on": "held_on", "quantity": "minutes"}


@transaction.atomic
def record_service(
    project: Project,
    *,
    case: int,
    by,
    household: Household,
    category: ServiceCategory,
    held_on: dt.date,
    minutes: int,
    note: str = "",
) -> int | None:
    """What a session of the agency's staff on a case (a referral to the project) delivered:
    counted against the line that buys the service, in the line's unit (hours, a visit, one
    case). Returns the delivery's pk, or None when the session adds nothing to count: a line
    bought per case counts the case once. The referrals app checked that ``by`` answers for the
    case.
    """
    project = Project.objects.select_related("region", "agency").get(pk=project.pk)
    if not holds_membership(by, (Membership.Role.AGENCY_STAFF,), project.agency):
        raise PermissionDenied(_("Only the agency's staff record what the project delivered."))
    line = project.line_for(category)
    if line is None:
        raise ValidationError(
            {
                "category": _("The project does not buy %(service)s: choose a service it buys.")
                % {"service": category.name}
            }
        )
    first = not DeliveryRecord.objects.filter(case=case, line=line).exists()
    quantity = line.quantity_served(minutes=minutes, first=first)
    if quantity is None:
        return None
    try:
        record = _deliver(
            project=project,
            by=by,
            line=line,
            delivered_on=held_on,
            quantity=quantity,
            household=household,
            case=case,
            note=note[:200],
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {SESSION_FIELDS.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from None
    return record.pk
