"""Funds and the cap: the rule that the committed total of a region and year never exceeds its
cap. Every commitment locks that year's ``ProcurementCap`` row (SELECT … FOR UPDATE), checks the
headroom, and moves ``committed_total`` with F(); the table's check constraint refuses anything
that slips past.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import holds_role_over
from bangfu.procurement.models import (
    FEN,
    ZERO,
    Fund,
    LedgerEntry,
    ProcurementCap,
    Project,
    money,
)
from bangfu.procurement.policy import cap_pct
from bangfu.procurement.roles import APPROVE_ROLES, EDIT_ROLES
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy


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


def require_role(*, by, roles: Iterable[str], region: Region) -> None:
    if not holds_role_over(by, roles, region):
        if set(roles) == set(APPROVE_ROLES):
            raise PermissionDenied(_("Only a bureau manager of this region may approve."))
        raise PermissionDenied(_("Your role cannot change procurement in this region."))


def cap_figures(*, region: Region, year: int) -> dict:
    """The cap in force: percentage by level from the policy, times the chosen base."""
    policy = Policy(region, year)
    pct = cap_pct(policy)
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


def cap_move(cap: ProcurementCap, *, amount: Decimal = ZERO, **changes) -> ProcurementCap:
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
    cap_move(cap, **figures)
    return fund


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
