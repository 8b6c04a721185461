"""Reads of procurement data, with the user's scope and the related rows already applied."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth

from bangfu.accounts.models import Organisation, User
from bangfu.accounts.scoping import regions_for, scope_for
from bangfu.procurement.agencies import serving
from bangfu.procurement.models import (
    ZERO,
    DeliveryRecord,
    Evaluation,
    Filing,
    LedgerEntry,
    ProcurementCap,
    Project,
)
from bangfu.procurement.policy import fiscal_unit, own_budget_townships
from bangfu.procurement.roles import EDIT_ROLES
from bangfu.regions.models import Region, path_and_above, within, within_any

BUYING_LEVELS = (Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP)


def can_edit(user) -> bool:
    """Whether the user holds a role that drafts and runs projects somewhere."""
    scope = scope_for(user)
    return scope.everything or bool(scope.roles & set(EDIT_ROLES))


def visible_regions(user) -> QuerySet[Region]:
    return regions_for(user).filter(level__lte=Region.Level.TOWNSHIP)


def buying_regions(user) -> QuerySet[Region]:
    return regions_for(user).filter(level__in=BUYING_LEVELS)


def agencies_for_buyer(user) -> QuerySet[Organisation]:
    """The active agencies that serve a region the user buys for; a project's own region is
    checked when it is saved (``Project.clean``)."""
    agencies = Organisation.objects.filter(kind=Organisation.Kind.AGENCY, is_active=True)
    scope = scope_for(user)
    if not scope.everything:
        agencies = agencies.filter(serving(scope.region_paths))
    return agencies.select_related("region").order_by("name")


def project_referrals(*, project: Project, user) -> QuerySet:
    """The referrals to a project that the user may read, newest first, with their sessions."""
    return (
        project.provider.referrals.for_user(user)
        .select_related("need__category", "need__household__region__parent")
        .annotate(session_count=Count("sessions"))
        .order_by("-sent_at", "-pk")
    )


def project_list(
    *, user, year: int | None = None, region: Region | None = None, status: str = ""
) -> QuerySet[Project]:
    projects = (
        Project.objects.for_user(user).select_related("region", "agency").prefetch_related("lines")
    )
    if year:
        projects = projects.filter(year=year)
    if region is not None:
        projects = projects.filter(within(region, "region"))
    if status:
        projects = projects.filter(status=status)
    return projects


def project_detail_queryset(*, user) -> QuerySet[Project]:
    return (
        Project.objects.for_user(user)
        .select_related("region__parent", "agency", "created_by", "filing", "provider")
        .prefetch_related(
            "lines__item__category",
            "service_area",
            "ledger_entries__by",
            "events__by",
            Prefetch(
                "deliveries",
                queryset=DeliveryRecord.objects.select_related("line__item", "household"),
            ),
            Prefetch("evaluations", queryset=Evaluation.objects.select_related("evaluator")),
        )
    )


def evaluation_detail_queryset(*, user) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.for_user(user)
        .select_related("project__region", "project__agency", "scheme", "evaluator")
        .prefetch_related(
            "scores__criterion",
            "project__lines__item",
            "project__deliveries",
            "project__ledger_entries",
        )
    )


def cap_of(*, region: Region, year: int) -> ProcurementCap | None:
    """The cap row a purchase by ``region`` counts against in ``year`` (read without a lock, for
    display)."""
    unit = fiscal_unit(region, year)
    return ProcurementCap.objects.select_related("region").filter(region=unit, year=year).first()


@dataclass
class CapRow:
    region: Region
    cap: ProcurementCap | None

    @property
    def cap_amount(self) -> Decimal:
        return self.cap.cap_amount if self.cap else ZERO

    @property
    def committed(self) -> Decimal:
        return self.cap.committed_total if self.cap else ZERO

    @property
    def paid(self) -> Decimal:
        return self.cap.paid_total if self.cap else ZERO

    @property
    def headroom(self) -> Decimal:
        return self.cap_amount - self.committed


def caps_overview(*, user, region: Region, year: int) -> list[CapRow]:
    """The fiscal unit of the region and those of its direct children side by side (a city sees
    its counties; a county sees itself, with a township only where it keeps its own cap)."""
    units = [fiscal_unit(region, year)] if region.level in BUYING_LEVELS else []
    children = visible_regions(user).filter(parent=region, level__in=BUYING_LEVELS)
    if region.level == Region.Level.COUNTY:  # only the townships with a budget of their own
        children = children.filter(pk__in=[town.pk for town in own_budget_townships(region, year)])
    units += [child for child in children.order_by("code") if child not in units]
    caps = {
        cap.region_id: cap
        for cap in ProcurementCap.objects.for_user(user).filter(
            year=year, region__in=[unit.pk for unit in units]
        )
    }
    return [CapRow(unit, caps.get(unit.pk)) for unit in units]


def monthly_flow(*, user, region: Region, year: int) -> list[dict]:
    """Commitments, releases and payments of the region's subtree by month of booking."""
    rows = (
        LedgerEntry.objects.filter(project__in=Project.objects.for_user(user), cap__year=year)
        .filter(within(region, "cap__region"))
        .annotate(month=TruncMonth("booked_on"))
        .values("month", "kind")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )

    def empty(month: dt.date) -> dict:
        return {"month": month} | {kind: ZERO for kind in LedgerEntry.Kind}

    # Every month of the year, those without a booking at zero: the chart's axis is the year. A
    # release booked after the year ends (a project closed in January) adds its month.
    months = {dt.date(year, number, 1): empty(dt.date(year, number, 1)) for number in range(1, 13)}
    for row in rows:
        months.setdefault(row["month"], empty(row["month"]))[row["kind"]] = row["total"]
    return sorted(months.values(), key=lambda month: month["month"])


def project_progress(*, user, region: Region, year: int) -> list[Project]:
    """Committed projects of the subtree with their lines, deliveries and ledger prefetched."""
    return list(
        project_list(user=user, year=year, region=region)
        .filter(status__in=Project.COMMITTED_STATUSES)
        .prefetch_related("lines__item", "deliveries", "ledger_entries")
        .order_by("-amount")
    )


def published_projects(*, region: Region | None = None) -> QuerySet[Project]:
    """Approved projects for the public site (公示): read only through ``public_summary()``."""
    projects = (
        Project.objects.published()
        .select_related("region", "agency")
        .prefetch_related("lines__item", "deliveries", "service_area")
    )
    if region is not None:
        projects = projects.filter(within(region, "region"))
    return projects


def public_summaries(*, region: Region | None = None) -> list[dict]:
    return [project.public_summary() for project in published_projects(region=region)]


# --- filings (备案) --------------------------------------------------------------------------


def bureau_members(region: Region, roles: Iterable[str]) -> QuerySet[User]:
    """The active users holding one of ``roles`` in an active bureau of ``region`` itself."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=list(roles),
            memberships__organisation__is_active=True,
            memberships__organisation__kind=Organisation.Kind.BUREAU,
            memberships__organisation__region=region,
        )
        .distinct()
        .order_by("pk")
    )


def filings_for(user) -> QuerySet[Filing]:
    """The filings a user reads: those of the projects of their area, and those sent to a region
    their bureau roles cover (the inbox of the bureau above)."""
    scope = scope_for(user)
    filings = Filing.objects.select_related(
        "project__region", "filed_with", "sent_by", "answered_by"
    )
    if scope.everything:
        return filings
    if not scope.region_paths:
        return filings.none()
    return filings.filter(
        within_any(scope.region_paths, "project__region")
        | within_any(scope.region_paths, "filed_with")
    )


def filing_inbox(*, user, region: Region, year: int, status: str = "") -> QuerySet[Filing]:
    """The filings of ``year``'s projects sent to ``region`` or a region below it, newest
    first, with their documents and steps."""
    filings = filings_for(user).filter(within(region, "filed_with"), project__year=year)
    if status:
        filings = filings.filter(status=status)
    return filings.prefetch_related("documents", "events__by").order_by("-sent_at", "-pk")


@dataclass
class UnitFilings:
    """A fiscal unit below a region (a county of a city): its cap and spend, and its filings."""

    cap: CapRow
    by_status: dict[str, int]

    @property
    def columns(self) -> list[tuple[str, int]]:
        """The counts under their statuses' names, in the statuses' order."""
        return [(Filing.Status(status).label, count) for status, count in self.by_status.items()]


def filings_by_unit(*, user, region: Region, year: int) -> list[UnitFilings]:
    """The fiscal units directly below ``region`` side by side (a city's counties): the year's
    cap, committed and paid, and the filings of their projects by status."""
    units = [
        row
        for row in caps_overview(user=user, region=region, year=year)
        if row.region.parent_id == region.pk
    ]
    # One query: the counts by buying region and status, summed into the unit above each.
    counts = (
        filings_for(user)
        .filter(project__year=year)
        .order_by()
        .values_list("project__region__path", "status")
        .annotate(count=Count("pk"))
    )
    rows = []
    for row in units:
        by_status = dict.fromkeys(Filing.Status.values, 0)
        for path, status, count in counts:
            if row.region.path in path_and_above(path):
                by_status[status] += count
        rows.append(UnitFilings(row, by_status))
    return rows
