"""Reads of procurement data, with the user's scope and the related rows already applied."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth

from bangfu.accounts.models import Organisation
from bangfu.accounts.scoping import regions_for, scope_for
from bangfu.procurement.agencies import serving
from bangfu.procurement.models import (
    ZERO,
    DeliveryRecord,
    Evaluation,
    LedgerEntry,
    ProcurementCap,
    Project,
)
from bangfu.procurement.roles import EDIT_ROLES
from bangfu.regions.models import Region, within

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
    projects = Project.objects.for_user(user).select_related("region", "agency")
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
    """The cap row of a region and year (read without a lock, for display)."""
    return ProcurementCap.objects.select_related("region").filter(region=region, year=year).first()


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
    """The region and its direct children side by side (a city sees its counties)."""
    regions = [region, *visible_regions(user).filter(parent=region).order_by("code")]
    caps = {
        cap.region_id: cap
        for cap in ProcurementCap.objects.for_user(user).filter(
            year=year, region__in=[r.pk for r in regions]
        )
    }
    return [CapRow(r, caps.get(r.pk)) for r in regions if r.level in BUYING_LEVELS]


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
    months: dict = {}
    for row in rows:
        month = months.setdefault(
            row["month"], {"month": row["month"], **{kind: ZERO for kind in LedgerEntry.Kind}}
        )
        month[row["kind"]] = row["total"]
    return list(months.values())


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
