"""What the public site may know of procured projects: the notice (公示) as plain records.

The site (``cms``) reads projects through this module alone. A notice is
``Project.public_summary()`` — what a procurement notice carries (method, contract number,
period, amount, agency, service area, where to complain) and totals, never a household or a
person — with the project's description and, once it is closed, its latest evaluation grade.
Notices exist from approval on (``selectors.published_projects``) and are built at each request,
so the delivery so far is always the current figure.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from bangfu.procurement.models import Evaluation, Project, ProjectTransition
from bangfu.procurement.selectors import published_projects
from bangfu.regions.models import Region


@dataclass(frozen=True)
class LineNotice:
    item: str
    unit: str
    contracted: Decimal
    delivered: Decimal


@dataclass(frozen=True)
class EvaluationNotice:
    grade: str
    score: Decimal
    evaluated_on: dt.date


@dataclass(frozen=True)
class ProjectNotice:
    """``Project.public_summary()`` field for field, and what the notice adds to it."""

    pk: int
    name: str
    description: str
    region: str
    year: int
    agency: str
    funding_source: str
    procurement_method: str
    contract_number: str
    complaint_channel: str
    published_on: dt.date | None
    amount: Decimal
    starts_on: dt.date
    ends_on: dt.date
    status: str
    is_closed: bool
    service_area: tuple[str, ...]
    target_households: int
    target_hours: int
    households_served: int
    delivered_value: Decimal
    lines: tuple[LineNotice, ...]
    # The latest evaluation, shown once the project is closed.
    evaluation: EvaluationNotice | None


def _notice(project: Project) -> ProjectNotice:
    summary = project.public_summary()
    is_closed = project.status == Project.Status.CLOSED
    latest = next(iter(project.evaluations.all()), None) if is_closed else None
    return ProjectNotice(
        **{
            **summary,
            "service_area": tuple(summary["service_area"]),
            "lines": tuple(LineNotice(**line) for line in summary["lines"]),
        },
        pk=project.pk,
        description=project.description,
        is_closed=is_closed,
        evaluation=(
            EvaluationNotice(
                grade=latest.get_grade_display(),
                score=latest.final_score,
                evaluated_on=latest.evaluated_on,
            )
            if latest is not None
            else None
        ),
    )


def _published():
    approvals = ProjectTransition.objects.filter(to_status=Project.Status.APPROVED)
    return published_projects().prefetch_related(
        Prefetch("evaluations", queryset=Evaluation.objects.order_by("-evaluated_on", "-pk")),
        Prefetch("events", queryset=approvals),
    )


def project_notice(pk: int) -> ProjectNotice | None:
    """The project's notice from its approval on; None before it (draft, submitted)."""
    project = _published().filter(pk=pk).first()
    return _notice(project) if project is not None else None


def project_notices(*, ids=None, year: int | None = None) -> list[ProjectNotice]:
    """Notices of the published projects (of ``ids`` only, if given), newest year and largest
    amount first."""
    projects = _published()
    if ids is not None:
        projects = projects.filter(pk__in=list(ids))
    if year:
        projects = projects.filter(year=year)
    return [_notice(project) for project in projects.order_by("-year", "-amount", "pk")]


def project_years(*, ids) -> list[int]:
    """The years of the published projects among ``ids``, newest first (one small query)."""
    years = Project.objects.published().filter(pk__in=list(ids)).values_list("year", flat=True)
    return sorted(set(years), reverse=True)


def project_ids(*, region: Region | None = None) -> list[int]:
    """Every project of the region (default: everywhere), whatever its status: those a full
    resync of the site looks at."""
    projects = Project.objects.all()
    if region is not None:
        projects = projects.filter(region__in=region.descendants())
    return list(projects.order_by("pk").values_list("pk", flat=True))
