"""Funds and the cap: the rule that what a fiscal unit commits in a year never exceeds its cap.

A purchase counts against the cap of its fiscal unit (``fiscal_unit``): a city's own purchases
against the city's, a county's and its townships' together against the county's, a township's
against its own only where its policy keeps a budget of its own. The base is the unit's spending
of the aid funds that year (003), summed over the regions the unit pays for, never twice.

Every commitment locks the unit's ``ProcurementCap`` row (SELECT … FOR UPDATE), recomputes the
cap from the funds and the policy, checks the headroom, and moves ``committed_total`` with F();
the table's check constraint refuses anything that slips past.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import holds_role_over
from bangfu.core.templatetags.money import yuan
from bangfu.procurement.models import (
    AID_FUND,
    FEN,
    ZERO,
    Fund,
    LedgerEntry,
    ProcurementCap,
    Project,
    money,
)
from bangfu.procurement.policy import cap_pct, fiscal_unit, own_budget_townships
from bangfu.procurement.roles import APPROVE_ROLES, EDIT_ROLES
from bangfu.regions.models import Region, within, within_any
from bangfu.regions.policy import Policy


class CapExceeded(ValidationError):
    """A commitment that would take the committed total of a fiscal unit and year above its
    cap."""

    def __init__(self, *, cap: ProcurementCap, amount: Decimal, headroom: Decimal):
        self.cap, self.amount, self.headroom = cap, amount, headroom
        super().__init__(
            _(
                "Refused: %(amount)s yuan would exceed the %(year)s procurement cap of "
                "%(region)s. Headroom: %(headroom)s yuan (cap %(cap)s, committed %(committed)s)."
            )
            % {
                "amount": yuan(amount),
                "year": cap.year,
                "region": cap.region,
                "headroom": yuan(headroom),
                "cap": yuan(cap.cap_amount),
                "committed": yuan(cap.committed_total),
            },
            code="cap_exceeded",
        )


def require_role(*, by, roles: Iterable[str], region: Region) -> None:
    if not holds_role_over(by, roles, region):
        if set(roles) == set(APPROVE_ROLES):
            raise PermissionDenied(_("Only a bureau manager of this region may approve."))
        raise PermissionDenied(_("Your role cannot change procurement in this region."))


def _paid_for(unit: Region, year: int) -> Q:
    """The regions whose funds belong to the unit's budget: a city its own; a county itself and
    its townships, except those with a budget of their own; such a township itself."""
    if unit.level == Region.Level.CITY:
        return Q(region=unit)
    if unit.level == Region.Level.COUNTY:
        own = own_budget_townships(unit, year)
        return within(unit, "region") & ~within_any(own, "region")
    return within(unit, "region")


def cap_figures(*, region: Region, year: int) -> dict:
    """The cap in force for the fiscal unit of ``region``: the percentage of its level from the
    policy, times the year's spending of the aid funds (or, where the policy plans on the
    budget, the budget until spending is entered)."""
    unit = fiscal_unit(region, year)
    policy = Policy(unit, year)
    pct = cap_pct(policy)
    totals = Fund.objects.filter(_paid_for(unit, year), year=year, source=AID_FUND).aggregate(
        budget=Sum("budget_amount"), spending=Sum("spent_amount")
    )
    spending, budget = totals["spending"] or ZERO, totals["budget"] or ZERO
    base = policy["procurement_cap_base"]
    if base == ProcurementCap.Base.BUDGET and spending:
        base = ProcurementCap.Base.SPENDING
    base_amount = spending if base == ProcurementCap.Base.SPENDING else budget
    # Rounded down to the fen: the cap is a legal ceiling, never rounded up past it.
    cap_amount = (base_amount * pct / 100).quantize(FEN, rounding=ROUND_DOWN)
    return {"cap_pct": pct, "base": base, "base_amount": base_amount, "cap_amount": cap_amount}


def cap_lock(*, region: Region, year: int) -> ProcurementCap:
    """The cap row of the fiscal unit of ``region`` and ``year``, created if needed, locked until
    the transaction ends."""
    unit = fiscal_unit(region, year)
    ProcurementCap.objects.get_or_create(region=unit, year=year)
    return (
        ProcurementCap.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(region=unit, year=year)
    )


def cap_move(cap: ProcurementCap, *, amount: Decimal = ZERO, **changes) -> ProcurementCap:
    """Apply F()-based changes to a locked cap row; the constraint backs up the caller's check.

    New figures (``cap_amount``) move the limit with them: to the cap, or to what is committed
    already when the cap falls below it (the update reads the row as it was)."""
    if "cap_amount" in changes:
        changes["committed_limit"] = Greatest(Value(changes["cap_amount"]), F("committed_total"))
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
    programme: str = "",
) -> Fund:
    """Record the budget and actual spending of one fund source; the unit's cap follows. When
    the cap falls below what is committed, the commitments stay and new ones wait."""
    require_role(by=by, roles=EDIT_ROLES, region=region)
    cap = cap_lock(region=region, year=year)
    fund, _created = Fund.objects.get_or_create(
        region=region, year=year, source=source, programme=programme
    )
    fund.budget_amount, fund.spent_amount = money(budget_amount), money(spent_amount)
    fund.updated_by = by
    fund.full_clean()
    fund.save()
    cap_move(cap, **cap_figures(region=region, year=year))
    return fund


def headroom_of(*, region: Region, year: int) -> Decimal:
    """What the fiscal unit of ``region`` may still commit in ``year``, as the funds and the
    policy stand now (read without a lock: for warnings, not for committing)."""
    unit = fiscal_unit(region, year)
    committed = (
        ProcurementCap.objects.filter(region=unit, year=year)
        .values_list("committed_total", flat=True)
        .first()
    )
    return cap_figures(region=unit, year=year)["cap_amount"] - (committed or ZERO)


def headroom_warning(project: Project) -> str:
    """Before approval: a warning when the project's amount exceeds what its fiscal unit may
    still commit; empty when it fits."""
    if project.status not in {Project.Status.DRAFT, Project.Status.SUBMITTED}:
        return ""
    headroom = headroom_of(region=project.region, year=project.year)
    if project.amount <= headroom:
        return ""
    return _(
        "%(amount)s yuan is more than the %(headroom)s yuan left under the %(year)s cap of "
        "%(unit)s: as things stand, approval will be refused (short by %(short)s yuan)."
    ) % {
        "amount": yuan(project.amount),
        "headroom": yuan(max(headroom, ZERO)),
        "year": project.year,
        "unit": fiscal_unit(project.region, project.year),
        "short": yuan(project.amount - max(headroom, ZERO)),
    }


def commit_to_cap(*, project: Project, amount: Decimal, by, on: dt.date) -> LedgerEntry:
    cap = cap_lock(region=project.region, year=project.year)
    figures = cap_figures(region=project.region, year=project.year)
    headroom = figures["cap_amount"] - cap.committed_total
    if amount > headroom:
        raise CapExceeded(cap=cap, amount=amount, headroom=max(headroom, ZERO))
    cap = cap_move(cap, amount=amount, committed_total=F("committed_total") + amount, **figures)
    return LedgerEntry.objects.create(
        project=project,
        cap=cap,
        kind=LedgerEntry.Kind.COMMITMENT,
        amount=amount,
        booked_on=on,
        by=by,
    )
