"""Projects from draft to closed: lines, approval against the cap and the filing (备案),
payments.

A step refused for a reason the bureau must be able to trace later (no filing, a returned one)
stays in the project's history with its figures (``record_refusal``). A project is also a
provider needs are referred to: its ``Provider`` row is made with it and keeps its name and
region. Its public notice (公示) is announced through
``bangfu.core.publications`` whenever its status moves into, within or out of the published ones.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bangfu.accounts.models import Organisation
from bangfu.core.lifecycle import InvalidTransition
from bangfu.core.publications import published
from bangfu.core.templatetags.money import yuan
from bangfu.procurement.models import (
    AID_FUND,
    ZERO,
    CatalogueItem,
    Filing,
    LedgerEntry,
    Project,
    ProjectLine,
    ProjectTransition,
    money,
)
from bangfu.procurement.roles import APPROVE_ROLES, EDIT_ROLES
from bangfu.procurement.services.cap import (
    CapExceeded,
    cap_lock,
    cap_move,
    commit_to_cap,
    require_role,
)
from bangfu.providers.models import Provider
from bangfu.regions.models import Region

PROJECT_FIELDS = (
    "name",
    "region",
    "agency",
    "starts_on",
    "ends_on",
    "target_households",
    "target_hours",
    "description",
    "procurement_method",
    "contract_number",
    "complaint_channel",
)


class FilingRequired(ValidationError):
    """A step refused for want of the filing (备案): none sent, one returned, or one not yet
    acknowledged when the project would start."""

    def __init__(self, project: Project, filing: Filing | None):
        self.project, self.filing = project, filing
        facts = {
            "aid": yuan(project.amount_by_source().get(AID_FUND, ZERO)),
            "region": filing.filed_with if filing else project.region.parent,
        }
        if filing is None:
            message = _(
                "%(aid)s yuan of this project are paid from the aid funds (困难群众救助补助资金): "
                "its filing (备案) goes to the bureau of %(region)s first, with its documents."
            )
        elif filing.status == Filing.Status.RETURNED:
            message = _(
                "The filing (备案) of %(aid)s yuan from the aid funds was returned by the bureau "
                "of %(region)s: %(reason)s. Send it again once corrected."
            )
            facts["reason"] = filing.reason
        else:
            message = _(
                "The filing (备案) of %(aid)s yuan from the aid funds awaits the acknowledgement "
                "(已备案) of the bureau of %(region)s: the project starts once it is given."
            )
        super().__init__(message % facts, code="filing_required")


@transaction.atomic
def record_refusal(*, project: Project, by, message: str) -> ProjectTransition:
    """Write a refused step into the project's history: the status stays where it was (from and
    to the same), the refusal with its figures is the event's note.

    Call it outside the refused step's transaction, after its rollback (``refusal_recorded``
    does), or the rollback takes the record with it.
    """
    status = Project.objects.values_list("status", flat=True).get(pk=project.pk)
    return ProjectTransition.objects.create(
        project_id=project.pk, from_status=status, to_status=status, by=by, note=message
    )


# The refusals a project's history keeps.
RECORDED_REFUSALS: tuple[type[ValidationError], ...] = (FilingRequired, CapExceeded)


def refusal_recorded(service: Callable[..., Project]) -> Callable[..., Project]:
    """Run ``service`` (a step of the project, atomic on its own); when it refuses with one of
    ``RECORDED_REFUSALS``, record the refusal once the step's transaction has rolled back, then
    let the refusal go on to the caller."""

    @wraps(service)
    def step(*, project: Project, by, **kwargs) -> Project:
        try:
            return service(project=project, by=by, **kwargs)
        except RECORDED_REFUSALS as refusal:
            record_refusal(project=project, by=by, message=" ".join(refusal.messages))
            raise

    return step


def _require_filing(project: Project, *statuses: str) -> None:
    """Refuse unless the project needs no filing or its filing is in one of ``statuses``."""
    if not project.needs_filing:
        return
    filing = Filing.objects.select_related("filed_with").filter(project=project).first()
    if filing is None or filing.status not in statuses:
        raise FilingRequired(project, filing)


def _transition(project: Project, *, to: str, by, reason: str = "") -> None:
    shown = {project.status, to} & set(Project.PUBLISHED_STATUSES)
    project.move(to=to, by=by, reason=reason)
    if shown:
        # The public notice (公示) appears on approval and follows the project's status.
        published("project", project.pk)


def _locked(project: Project, *statuses: str, to: str, by, roles: Iterable[str]) -> Project:
    """Re-read the project under a row lock; check the role, then that it may move to ``to``."""
    project = Project.locked(project.pk, "region")
    require_role(by=by, roles=roles, region=project.region)
    if project.status not in statuses:
        raise InvalidTransition(project, to)
    return project


def _set_lines(project: Project, lines: Iterable[Mapping]) -> None:
    project.lines.all().delete()
    total = ZERO
    for data in lines:
        item: CatalogueItem = data["item"]
        unit_price = data.get("unit_price")
        line = ProjectLine(
            project=project,
            item=item,
            quantity=Decimal(data["quantity"]),
            unit_price=money(item.reference_unit_price if unit_price is None else unit_price),
            funding_source=data["funding_source"],
        )
        line.full_clean(exclude=["project"])
        line.save()
        total += line.amount
    if total <= 0:
        raise ValidationError(_("A project needs at least one catalogue line."))
    project.amount = total
    project.save(update_fields=["amount", "updated_at"])


def _check_project(project: Project, *, by, service_area: Iterable[Region]) -> None:
    project.year = project.starts_on.year if project.starts_on else project.year
    project.full_clean(exclude=["amount", "created_by", "year", "provider"])
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if project.agency.kind != Organisation.Kind.AGENCY or not project.agency.is_active:
        raise ValidationError({"agency": _("Choose an active service agency.")})
    outside = [area for area in service_area if not area.is_within(project.region)]
    if outside:
        raise ValidationError(
            {"service_area": _("The service area must lie within the buying region.")}
        )
    if not project.complaint_channel.strip():
        project.complaint_channel = _bureau_contact(project.region)


def _bureau_contact(region: Region) -> str:
    """Where the public complains by default: the name, phone and address of the nearest
    bureau, at ``region`` or above, that has a phone or an address on record."""
    bureau = (
        Organisation.objects.filter(
            kind=Organisation.Kind.BUREAU, is_active=True, region__in=region.ancestors()
        )
        .exclude(contact_phone="", address="")
        .order_by("-region__level", "pk")
        .first()
    )
    if bureau is None:
        return ""
    return " · ".join(part for part in (bureau.name, bureau.contact_phone, bureau.address) if part)


def _provider_in_step(project: Project) -> None:
    """A project is a provider under its own name and region, made with the project."""
    if project.provider_id is None:
        project.provider = Provider.objects.create(
            kind=Provider.Kind.PROJECT, name=project.name, region=project.region
        )
    else:
        Provider.objects.filter(pk=project.provider_id).update(
            name=project.name, region=project.region
        )


@transaction.atomic
def project_create(
    *, by, lines: Iterable[Mapping], service_area: Iterable[Region] = (), **fields
) -> Project:
    """A draft project: its amount is the sum of its lines (quantity × unit price)."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    service_area = list(service_area)
    project = Project(created_by=by, **fields)
    _check_project(project, by=by, service_area=service_area)
    _provider_in_step(project)
    project.save()
    project.service_area.set(service_area)
    _set_lines(project, lines)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    by,
    lines: Iterable[Mapping] | None = None,
    service_area: Iterable[Region] | None = None,
    **fields,
) -> Project:
    """Change a draft; once submitted a project only moves through its statuses."""
    project = _locked(
        project, Project.Status.DRAFT, to=Project.Status.DRAFT, by=by, roles=EDIT_ROLES
    )
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(project, name, value)
    area = list(project.service_area.all() if service_area is None else service_area)
    _check_project(project, by=by, service_area=area)
    _provider_in_step(project)
    project.save()
    project.service_area.set(area)
    if lines is not None:
        _set_lines(project, lines)
    return project


@transaction.atomic
def project_submit(*, project: Project, by) -> Project:
    project = _locked(
        project, Project.Status.DRAFT, to=Project.Status.SUBMITTED, by=by, roles=EDIT_ROLES
    )
    if not project.lines.exists():
        raise ValidationError(_("A project needs at least one catalogue line."))
    project.check_notice()
    _transition(project, to=Project.Status.SUBMITTED, by=by)
    return project


@transaction.atomic
def project_return(*, project: Project, by, reason: str) -> Project:
    """The manager sends a submitted project back to its drafters."""
    project = _locked(
        project, Project.Status.SUBMITTED, to=Project.Status.DRAFT, by=by, roles=APPROVE_ROLES
    )
    if not reason.strip():
        raise ValidationError(_("Say why the project goes back."))
    _transition(project, to=Project.Status.DRAFT, by=by, reason=reason.strip()[:200])
    return project


@refusal_recorded
@transaction.atomic
def project_approve(*, project: Project, by, on: dt.date | None = None) -> Project:
    """Approve and commit the whole amount against the cap of the project's region and year."""
    project = _locked(
        project, Project.Status.SUBMITTED, to=Project.Status.APPROVED, by=by, roles=APPROVE_ROLES
    )
    # Sent is enough to approve; the project starts once the filing is acknowledged.
    _require_filing(project, Filing.Status.SENT, Filing.Status.ACKNOWLEDGED)
    project.check_notice()
    commit_to_cap(project=project, amount=project.amount, by=by, on=on or timezone.localdate())
    _transition(project, to=Project.Status.APPROVED, by=by)
    return project


@refusal_recorded
@transaction.atomic
def project_start(*, project: Project, by) -> Project:
    project = _locked(
        project, Project.Status.APPROVED, to=Project.Status.IN_PROGRESS, by=by, roles=EDIT_ROLES
    )
    _require_filing(project, Filing.Status.ACKNOWLEDGED)
    _transition(project, to=Project.Status.IN_PROGRESS, by=by)
    return project


@transaction.atomic
def project_close(*, project: Project, by, on: dt.date | None = None) -> Project:
    """Close the project and give what was committed but not paid back to the cap."""
    project = _locked(
        project, Project.Status.IN_PROGRESS, to=Project.Status.CLOSED, by=by, roles=EDIT_ROLES
    )
    # Referrals are sent under the provider's row lock: held here, none slips in before the close.
    provider = Provider.objects.select_for_update().get(pk=project.provider_id)
    live = provider.referrals.live().count()
    if live:
        raise ValidationError(
            ngettext(
                "%(count)s referral to this project is still open: the agency completes or "
                "closes it, or the desk revokes it, before the project closes.",
                "%(count)s referrals to this project are still open: the agency completes or "
                "closes them, or the desk revokes them, before the project closes.",
                live,
            )
            % {"count": live},
            code="open_referrals",
        )
    unspent = project.committed_amount() - project.paid_amount()
    if unspent > 0:
        cap = cap_lock(region=project.region, year=project.year)
        cap = cap_move(cap, committed_total=F("committed_total") - unspent)
        LedgerEntry.objects.create(
            project=project,
            cap=cap,
            kind=LedgerEntry.Kind.RELEASE,
            amount=unspent,
            booked_on=on or timezone.localdate(),
            by=by,
        )
    _transition(project, to=Project.Status.CLOSED, by=by)
    return project


@transaction.atomic
def payment_record(
    *, project: Project, by, amount: Decimal, paid_on: dt.date, reference: str = ""
) -> LedgerEntry:
    """Pay the agency: never more, in total, than was committed to the project."""
    project = Project.locked(project.pk, "region")
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if project.status not in {Project.Status.APPROVED, Project.Status.IN_PROGRESS}:
        raise ValidationError(_("Payments are made on approved projects."))
    amount = money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    unpaid = project.committed_amount() - project.paid_amount()
    if amount > unpaid:
        raise ValidationError(
            {"amount": _("Only %(unpaid)s yuan of the commitment is unpaid.") % {"unpaid": unpaid}}
        )
    cap = cap_lock(region=project.region, year=project.year)
    cap = cap_move(cap, paid_total=F("paid_total") + amount)
    return LedgerEntry.objects.create(
        project=project,
        cap=cap,
        kind=LedgerEntry.Kind.PAYMENT,
        amount=amount,
        booked_on=paid_on,
        reference=reference.strip(),
        by=by,
    )
