"""The only code that writes procurement data. Each service is one transaction.

The cap rule: the committed total of a region and year never exceeds its cap. Every commitment
locks that year's ``ProcurementCap`` row (SELECT … FOR UPDATE), checks the headroom, and moves
``committed_total`` with F(); the table's check constraint refuses anything that slips past.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.scoping import holds_membership, holds_role_over
from bangfu.procurement.indicators import compute_indicators, final_score, weighted_score
from bangfu.procurement.models import (
    FEN,
    ZERO,
    CatalogueItem,
    DeliveryRecord,
    Evaluation,
    EvaluationScheme,
    EvaluationScore,
    Filing,
    Fund,
    LedgerEntry,
    ProcurementCap,
    Project,
    ProjectLine,
    ProjectTransition,
    money,
)
from bangfu.procurement.roles import APPROVE_ROLES, EDIT_ROLES
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.models import Household, ServiceCategory

PROJECT_FIELDS = (
    "name",
    "region",
    "agency",
    "funding_source",
    "starts_on",
    "ends_on",
    "target_households",
    "target_hours",
    "description",
)


class CapExceeded(ValidationError):
    """A commitment that would take the committed total of a region and year above its cap."""

    def __init__(self, *, cap: ProcurementCap, amount: Decimal, headroom: Decimal):
        self.cap, self.amount, self.headroom = cap, amount, headroom
        super().__init__(
            _(
                "Refused: %(amount)s yuan would exceed the %(year)s procurement cap of "
                "%(region)s. Headroom: %(headroom)s yuan (cap %(cap)s, committed %(committed)s)."
            )
            % {
                "amount": amount,
                "year": cap.year,
                "region": cap.region,
                "headroom": headroom,
                "cap": cap.cap_amount,
                "committed": cap.committed_total,
            },
            code="cap_exceeded",
        )


class FilingRequired(ValidationError):
    def __init__(self, project: Project):
        super().__init__(
            _(
                "Money from the assistance subsidy funds must first be filed (备案) with the "
                "bureau of %(region)s: record the filing date and reference."
            )
            % {"region": project.region.parent},
            code="filing_required",
        )


class InvalidTransition(ValidationError):
    def __init__(self, project: Project, to: str):
        super().__init__(
            _("A %(status)s project cannot become %(to)s.")
            % {"status": project.get_status_display(), "to": Project.Status(to).label},
            code="invalid_transition",
        )


def require_role(*, by, roles: Iterable[str], region: Region) -> None:
    if not holds_role_over(by, roles, region):
        if set(roles) == set(APPROVE_ROLES):
            raise PermissionDenied(_("Only a bureau manager of this region may approve."))
        raise PermissionDenied(_("Your role cannot change procurement in this region."))


# --- funds and the cap -----------------------------------------------------------------------


def cap_figures(*, region: Region, year: int) -> dict:
    """The cap in force: percentage by level from the policy, times the chosen base."""
    policy = Policy(region, year)
    pct = policy.procurement_cap_pct()
    base = policy["procurement_cap_base"]
    totals = Fund.objects.filter(region=region, year=year).aggregate(
        budget=Sum("budget_amount"), spending=Sum("spent_amount")
    )
    base_amount = totals[base] or ZERO
    # Rounded down to the fen: the cap is a legal ceiling, never rounded up past it.
    cap_amount = (base_amount * pct / 100).quantize(FEN, rounding=ROUND_DOWN)
    return {"cap_pct": pct, "base": base, "base_amount": base_amount, "cap_amount": cap_amount}


def cap_lock(*, region: Region, year: int) -> ProcurementCap:
    """The cap row of a region and year, created if needed, locked until the transaction ends."""
    ProcurementCap.objects.get_or_create(region=region, year=year)
    return (
        ProcurementCap.objects.select_for_update()
        .select_related("region")
        .get(region=region, year=year)
    )


def _cap_move(cap: ProcurementCap, *, amount: Decimal = ZERO, **changes) -> ProcurementCap:
    """Apply F()-based changes to a locked cap row; the constraint backs up the caller's check."""
    try:
        with transaction.atomic():
            ProcurementCap.objects.filter(pk=cap.pk).update(**changes)
    except IntegrityError:
        cap.refresh_from_db()
        raise CapExceeded(cap=cap, amount=amount, headroom=max(cap.headroom, ZERO)) from None
    cap.refresh_from_db()
    return cap


@transaction.atomic
def fund_set(
    *,
    by,
    region: Region,
    year: int,
    source: str,
    budget_amount: Decimal,
    spent_amount: Decimal,
) -> Fund:
    """Record the budget and actual spending of one fund source; the cap follows."""
    require_role(by=by, roles=EDIT_ROLES, region=region)
    cap = cap_lock(region=region, year=year)
    fund, _created = Fund.objects.get_or_create(region=region, year=year, source=source)
    fund.budget_amount, fund.spent_amount = money(budget_amount), money(spent_amount)
    fund.updated_by = by
    fund.full_clean()
    fund.save()
    figures = cap_figures(region=region, year=year)
    if figures["cap_amount"] < cap.committed_total:
        raise ValidationError(
            _(
                "The cap would fall to %(cap)s yuan, below the %(committed)s yuan already "
                "committed this year."
            )
            % {"cap": figures["cap_amount"], "committed": cap.committed_total}
        )
    _cap_move(cap, **figures)
    return fund


def _commit(*, project: Project, amount: Decimal, by, on: dt.date) -> LedgerEntry:
    cap = cap_lock(region=project.region, year=project.year)
    figures = cap_figures(region=project.region, year=project.year)
    headroom = figures["cap_amount"] - cap.committed_total
    if amount > headroom:
        raise CapExceeded(cap=cap, amount=amount, headroom=max(headroom, ZERO))
    cap = _cap_move(cap, amount=amount, committed_total=F("committed_total") + amount, **figures)
    return LedgerEntry.objects.create(
        project=project,
        cap=cap,
        kind=LedgerEntry.Kind.COMMITMENT,
        amount=amount,
        booked_on=on,
        by=by,
    )


# --- projects --------------------------------------------------------------------------------


def _transition(project: Project, *, to: str, by, note: str = "") -> None:
    ProjectTransition.objects.create(
        project=project, from_status=project.status, to_status=to, by=by, note=note
    )
    project.status = to
    project.save(update_fields=["status", "updated_at"])


def _locked(project: Project, *statuses: str, to: str, by, roles: Iterable[str]) -> Project:
    """Re-read the project under a row lock; check the role, then that it may move to ``to``."""
    project = Project.objects.select_for_update().select_related("region").get(pk=project.pk)
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
    project.full_clean(exclude=["amount", "created_by", "year"])
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if project.agency.kind != Organisation.Kind.AGENCY or not project.agency.is_active:
        raise ValidationError({"agency": _("Choose an active service agency.")})
    outside = [area for area in service_area if not area.is_within(project.region)]
    if outside:
        raise ValidationError(
            {"service_area": _("The service area must lie within the buying region.")}
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
    _transition(project, to=Project.Status.DRAFT, by=by, note=reason.strip()[:200])
    return project


@transaction.atomic
def filing_record(*, project: Project, by, filed_on: dt.date, reference: str) -> Filing:
    """Record the filing (备案) with the bureau one level up."""
    project = Project.objects.select_for_update().select_related("region").get(pk=project.pk)
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if not project.needs_filing:
        raise ValidationError(_("Only purchases from the assistance subsidy funds are filed."))
    if project.status not in {Project.Status.DRAFT, Project.Status.SUBMITTED}:
        raise ValidationError(_("The filing is recorded before approval."))
    if filed_on > timezone.localdate():
        raise ValidationError({"filed_on": _("The filing date cannot be in the future.")})
    filing, _created = Filing.objects.update_or_create(
        project=project,
        defaults={
            "filed_with": project.region.parent,
            "filed_on": filed_on,
            "reference": reference.strip(),
            "recorded_by": by,
        },
    )
    filing.full_clean()
    return filing


@transaction.atomic
def project_approve(*, project: Project, by, on: dt.date | None = None) -> Project:
    """Approve and commit the whole amount against the cap of the project's region and year."""
    project = _locked(
        project, Project.Status.SUBMITTED, to=Project.Status.APPROVED, by=by, roles=APPROVE_ROLES
    )
    if project.needs_filing and not Filing.objects.filter(project=project).exists():
        raise FilingRequired(project)
    _commit(project=project, amount=project.amount, by=by, on=on or timezone.localdate())
    _transition(project, to=Project.Status.APPROVED, by=by)
    return project


@transaction.atomic
def project_start(*, project: Project, by) -> Project:
    project = _locked(
        project, Project.Status.APPROVED, to=Project.Status.IN_PROGRESS, by=by, roles=EDIT_ROLES
    )
    if project.needs_filing and not Filing.objects.filter(project=project).exists():
        raise FilingRequired(project)
    _transition(project, to=Project.Status.IN_PROGRESS, by=by)
    return project


@transaction.atomic
def project_close(*, project: Project, by, on: dt.date | None = None) -> Project:
    """Close the project and give what was committed but not paid back to the cap."""
    project = _locked(
        project, Project.Status.IN_PROGRESS, to=Project.Status.CLOSED, by=by, roles=EDIT_ROLES
    )
    live = project.referrals.live().count()
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
        cap = _cap_move(cap, committed_total=F("committed_total") - unspent)
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
    project = Project.objects.select_for_update().select_related("region").get(pk=project.pk)
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
    cap = _cap_move(cap, paid_total=F("paid_total") + amount)
    return LedgerEntry.objects.create(
        project=project,
        cap=cap,
        kind=LedgerEntry.Kind.PAYMENT,
        amount=amount,
        booked_on=paid_on,
        reference=reference.strip(),
        by=by,
    )


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


@transaction.atomic
def delivery_from_service(
    *,
    project: Project,
    by,
    household: Household,
    category: ServiceCategory,
    delivered_on: dt.date,
    minutes: int,
    case_deliveries: QuerySet[DeliveryRecord],
    note: str = "",
) -> DeliveryRecord | None:
    """What a session of the agency's staff, on a referral to the project, delivered: counted
    against the line that buys the service, in the line's unit (hours, a visit, one case).

    ``case_deliveries`` are those already recorded for the same case. None when the session
    adds nothing to count: a line bought per case counts the case once. The referrals app
    checked that ``by`` answers for the referral.
    """
    project = Project.objects.select_related("region").get(pk=project.pk)
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
    quantity = line.quantity_served(
        minutes=minutes, first=not case_deliveries.filter(line=line).exists()
    )
    if quantity is None:
        return None
    return _deliver(
        project=project,
        by=by,
        line=line,
        delivered_on=delivered_on,
        quantity=quantity,
        household=household,
        note=note[:200],
    )


# --- evaluation ------------------------------------------------------------------------------


def scheme_for(project: Project) -> EvaluationScheme:
    """The scheme of the deepest region on the project's path, latest year not after its own."""
    codes = [code for code in project.region.path.split("/") if code]
    schemes = EvaluationScheme.objects.filter(
        Q(region__code__in=codes) | Q(region=None), year__lte=project.year
    ).select_related("region")
    best = max(schemes, key=lambda s: (s.region.level if s.region else 0, s.year), default=None)
    if best is None:
        raise ValidationError(_("No evaluation scheme is configured."))
    return best


@transaction.atomic
def evaluation_record(
    *,
    project: Project,
    by,
    evaluated_on: dt.date,
    scores: Mapping[str, Decimal],
    comments: str = "",
) -> Evaluation:
    """Score a project: computed indicators plus the evaluator's form, weighted by the scheme."""
    project = Project.objects.select_related("region").get(pk=project.pk)
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if project.status not in {Project.Status.IN_PROGRESS, Project.Status.CLOSED}:
        raise ValidationError(_("Only projects in progress or closed are evaluated."))
    scheme = scheme_for(project)
    criteria = list(scheme.criteria.all())
    missing = [c.name for c in criteria if c.code not in scores]
    if missing:
        raise ValidationError(_("Score every criterion: %s") % ", ".join(missing))
    for code, value in scores.items():
        if not ZERO <= Decimal(value) <= 100:
            raise ValidationError(_("Scores run from 0 to 100 (%s).") % code)
    indicators = compute_indicators(project, scheme)
    indicator_score = weighted_score([(i.score, i.weight) for i in indicators])
    form_score = weighted_score([(Decimal(scores[c.code]), c.weight) for c in criteria])
    final = final_score(indicator_score=indicator_score, form_score=form_score, scheme=scheme)
    evaluation = Evaluation.objects.create(
        project=project,
        scheme=scheme,
        evaluated_on=evaluated_on,
        evaluator=by,
        indicators={i.code: i.as_json() for i in indicators},
        indicator_score=indicator_score,
        form_score=form_score,
        final_score=final,
        grade=scheme.grade_for(final),
        comments=comments,
    )
    EvaluationScore.objects.bulk_create(
        EvaluationScore(evaluation=evaluation, criterion=c, score=Decimal(scores[c.code]))
        for c in criteria
    )
    return evaluation
