"""Demo data for procurement: a year of funds and a dozen projects of a county, through the
services (so the cap, the filings and the ledger hold exactly as in real use).

Called by the demo builder after the county's bureau (with a staff member and a manager), an
agency, the stations and some households exist::

    from bangfu.demo.procurement import load_procurement_demo
    load_procurement_demo(county, random.Random(seed), as_of=as_of)

The services that buy for households serve the townships where households wait for them and no
station offers them: that is where the matching engine refers cases to the projects.
"""

import datetime as dt
import io
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.templatetags.money import yuan
from bangfu.procurement import services
from bangfu.procurement.agencies import serving
from bangfu.procurement.exports import CJK_FONT
from bangfu.procurement.models import CatalogueItem, FundingSource, Programme, Project
from bangfu.providers.models import Station
from bangfu.regions.models import Region, within_any
from bangfu.registry.models import Household, Need, ServiceCategory

YEAR = 2026
S = Project.Status

# name, funding source, lines (catalogue code, quantity), target households, target hours, status.
# Administrative work serves no household directly: no household target, so no coverage score.
PROJECTS = [
    ("特困老人居家照料服务", FundingSource.SUBSIDY, [("home-care", 6000)], 120, 6000, S.CLOSED),
    (
        "困境儿童关爱与学业辅导",
        FundingSource.SUBSIDY,
        [("child-care", 2400), ("schooling-help", 1800)],
        80,
        4200,
        S.IN_PROGRESS,
    ),
    (
        "重度残疾人康复训练",
        FundingSource.SUBSIDY,
        [("rehab-training", 1500)],
        60,
        1500,
        S.IN_PROGRESS,
    ),
    (
        "低保家庭送医陪护",
        FundingSource.WORK_FUNDS,
        [("hospital-escort", 600), ("medical-help", 400)],
        150,
        0,
        S.IN_PROGRESS,
    ),
    (
        "困难群众心理疏导",
        FundingSource.WORK_FUNDS,
        [("counselling-hour", 900)],
        90,
        900,
        S.IN_PROGRESS,
    ),
    (
        "主动发现与排查",
        FundingSource.WORK_FUNDS,
        [("screening", 8000), ("needs-analysis", 1200)],
        0,
        0,
        S.CLOSED,
    ),
    ("家庭经济状况核查", FundingSource.WORK_FUNDS, [("means-test", 1500)], 0, 0, S.APPROVED),
    ("助餐送餐服务", FundingSource.SUBSIDY, [("meal-delivery", 12000)], 100, 0, S.APPROVED),
    (
        "社会救助业务培训",
        FundingSource.WORK_FUNDS,
        [("staff-training", 4), ("policy-publicity", 6)],
        0,
        0,
        S.SUBMITTED,
    ),
    (
        "关爱探访与资源链接",
        FundingSource.CIVIL_AFFAIRS,
        [("care-visit", 3000), ("resource-linking-case", 120)],
        300,
        0,
        S.SUBMITTED,
    ),
    (
        "救助信息化运维",
        FundingSource.WORK_FUNDS,
        [("it-maintenance", 1), ("records-management", 5000)],
        0,
        0,
        S.DRAFT,
    ),
    ("第三方绩效评价", FundingSource.WORK_FUNDS, [("performance-evaluation", 1)], 0, 0, S.DRAFT),
]
ORDER = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.IN_PROGRESS, S.CLOSED]
# The projects a township buys under the county's cap (001: county and townships together).
TOWNSHIP_PROJECTS = {"困难群众心理疏导"}


def _funds(county: Region) -> list[tuple[Region, str, str, Decimal]]:
    """The year's budgets: the aid funds by programme, the other sources, and the first
    township's own temporary-assistance reserve (乡镇临时救助备用金), counted with the county's."""
    town = county.children.order_by("code").first()
    aid = FundingSource.SUBSIDY
    return [
        (county, aid, Programme.DIBAO, Decimal("19800000")),
        (county, aid, Programme.TEKUN, Decimal("7600000")),
        (county, aid, Programme.TEMPORARY, Decimal("2400000")),
        (county, aid, Programme.ORPHANS, Decimal("1100000")),
        (town, aid, Programme.TEMPORARY, Decimal("160000")),
        (county, FundingSource.WORK_FUNDS, Programme.ALL, Decimal("3000000")),
        (county, FundingSource.CIVIL_AFFAIRS, Programme.ALL, Decimal("1200000")),
        (county, FundingSource.OTHER, Programme.ALL, Decimal("2000000")),
    ]


# A project that serves households covers this many townships its stations leave uncovered.
AREA_TOWNS = 3


def _member(county: Region, role: str):
    membership = (
        Membership.objects.filter(
            role=role,
            is_active=True,
            organisation__kind=Organisation.Kind.BUREAU,
            organisation__region=county,
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise LookupError(f"The demo needs a {role} of the bureau of {county} first.")
    return membership.user


def _agency(county: Region) -> Organisation:
    agency = Organisation.objects.filter(serving([county.path]), is_active=True).first()
    if agency is None:
        raise LookupError(f"The demo needs a service agency that serves {county} first.")
    return agency


def _uncovered_towns(county: Region, categories: set[int], *, k: int) -> list[Region]:
    """The ``k`` townships where most households wait for one of ``categories`` that their
    station does not offer (most waiting first, then by code)."""
    offered = defaultdict(set)
    for town, category in Station.objects.filter(categories__in=categories).values_list(
        "service_area", "categories"
    ):
        offered[town].add(category)
    waiting = Counter()
    for town, category in (
        Need.objects.filter(household__region__parent__parent=county, category__in=categories)
        .open()
        .values_list("household__region__parent", "category")
    ):
        if category not in offered[town]:
            waiting[town] += 1
    towns = county.children.in_bulk(list(waiting))
    ranked = sorted(waiting, key=lambda town: (-waiting[town], towns[town].code))
    return [towns[town] for town in ranked[:k]]


def _households(project: Project) -> list[Household]:
    """Households the project may have served: of its service area, else of its region."""
    area = project.service_area.all() or [project.region]
    return list(Household.objects.filter(within_any(area, "region"))[:400])


def _filing_form(project: Project) -> SimpleUploadedFile:
    """The filing form (备案表) a county sends with its filing: one page of the project's
    figures."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(CJK_FONT, 16)
    page.drawString(60, 780, "政府购买社会救助服务备案表")
    page.setFont(CJK_FONT, 11)
    rows = [
        f"购买主体：{project.region.name}民政局",
        f"项目名称：{project.name}",
        f"合同编号：{project.contract_number}",
        f"服务期限：{project.starts_on:%Y-%m-%d} 至 {project.ends_on:%Y-%m-%d}",
        f"承接主体：{project.agency.name}",
        f"合同金额：{yuan(project.amount)} 元",
        *(
            f"  {line.item.name}：{line.quantity:g} × {yuan(line.unit_price)} 元"
            f"（{line.get_funding_source_display()}）"
            for line in project.lines.select_related("item")
        ),
    ]
    for number, row in enumerate(rows):
        page.drawString(60, 740 - 22 * number, row)
    page.showPage()
    page.save()
    return SimpleUploadedFile(
        f"{project.name}备案表.pdf", buffer.getvalue(), content_type="application/pdf"
    )


def _file(project: Project, *, staff, city, reference: str, returned: str = "") -> None:
    """Send the project's filing to the city's bureau, which acknowledges it; with ``returned``,
    the city first sends it back with that reason and the county sends it again."""
    filing = services.filing_send(project=project, by=staff, documents=[_filing_form(project)])
    if returned:
        services.filing_return(filing=filing, by=city, reason=returned)
        filing = services.filing_send(project=project, by=staff, documents=[_filing_form(project)])
    services.filing_acknowledge(filing=filing, by=city, reference=reference)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


@transaction.atomic
def load_procurement_demo(
    county: Region,
    rng: random.Random,
    *,
    agency: Organisation | None = None,
    staff=None,
    manager=None,
    city=None,
    as_of: dt.date | None = None,
) -> list[Project]:
    """Funds for 2026 and twelve projects from draft to closed, with deliveries and evaluations;
    the purchases from the aid funds filed (备案) with the city's bureau (``city``: its
    manager), which acknowledges them.

    Nothing is dated after ``as_of`` (default today; never later, the services refuse it).
    """
    staff = staff or _member(county, Membership.Role.BUREAU_STAFF)
    manager = manager or _member(county, Membership.Role.BUREAU_MANAGER)
    city = city or _member(county.parent, Membership.Role.BUREAU_MANAGER)
    agency = agency or _agency(county)
    today = min(as_of or timezone.localdate(), timezone.localdate())
    scale = Decimal(rng.randint(95, 105)) / 100
    for region, source, programme, budget in _funds(county):
        budget = (budget * scale).quantize(Decimal("1"))
        services.fund_set(
            by=staff,
            region=region,
            year=YEAR,
            source=source,
            programme=programme,
            budget_amount=budget,
            spent_amount=(budget * Decimal(rng.randint(88, 98)) / 100).quantize(Decimal("1")),
        )
    items = {item.code: item for item in CatalogueItem.objects.select_related("category")}
    towns = list(county.children.order_by("code")[:3])
    projects = []
    for index, (name, source, lines, target_households, target_hours, status) in enumerate(
        PROJECTS
    ):
        starts_on = dt.date(YEAR, 1 + index % 6, 1)
        bought = {
            items[code].category_id
            for code, _qty in lines
            if items[code].kind == ServiceCategory.Kind.SERVICE
        }
        nearby = rng.sample(towns, k=min(len(towns), 2))
        uncovered = _uncovered_towns(county, bought, k=AREA_TOWNS) if bought else []
        buyer = towns[0] if name in TOWNSHIP_PROJECTS else county
        project = services.project_create(
            by=staff,
            name=name,
            region=buyer,
            agency=agency,
            starts_on=starts_on,
            ends_on=dt.date(YEAR, 12, 31),
            target_households=target_households,
            target_hours=target_hours,
            description="",
            # A county buys most services by 竞争性磋商 and some by public tender.
            procurement_method=(
                Project.ProcurementMethod.PUBLIC_TENDER
                if index % 4 == 0
                else Project.ProcurementMethod.COMPETITIVE_CONSULTATION
            ),
            contract_number=f"MZCG-{county.code[:6]}-{YEAR}-{index + 1:03d}",
            complaint_channel=f"{county.name}民政局社会救助股；12345 政务服务便民热线",
            service_area=[buyer] if buyer != county else uncovered or nearby,
            lines=[
                {"item": items[code], "quantity": Decimal(qty), "funding_source": source}
                for code, qty in lines
            ],
        )
        reached = ORDER.index(status)
        if reached >= 1:
            if project.needs_filing:
                _file(
                    project,
                    staff=staff,
                    city=city,
                    reference=f"{county.parent.name}民政备〔{YEAR}〕{index + 1:02d}号",
                    # The first went back once for its implementation plan (实施方案).
                    returned="" if index else "请补充项目实施方案后重新报送。",
                )
            services.project_submit(project=project, by=staff)
        if reached >= 2:
            services.project_approve(
                project=project, by=manager, on=min(starts_on - dt.timedelta(days=10), today)
            )
        if reached >= 3:
            services.project_start(project=project, by=staff)
            _deliver(project, staff, rng, _households(project), today)
            _pay(project, staff, rng, today)
        if reached >= 4:
            services.project_close(project=project, by=staff, on=today)
        if reached >= 3 and (status == S.CLOSED or index % 2):
            services.evaluation_record(
                project=project,
                by=manager,
                evaluated_on=today,
                scores={
                    criterion.code: Decimal(rng.randint(68, 97))
                    for criterion in services.scheme_for(project).criteria.all()
                },
                comments="",
            )
        projects.append(project)
    return projects


def _deliver(project: Project, by, rng: random.Random, households: list, today: dt.date) -> None:
    last = min(project.ends_on, today)
    if last < project.starts_on:
        return
    served = rng.sample(households, k=min(len(households), project.target_households or 5))
    first = project.starts_on + dt.timedelta(days=rng.randint(2, 20))
    for line in project.lines.all():
        share = Decimal(rng.randint(45, 95)) / 100
        remaining = (line.quantity * share).quantize(Decimal("1"))
        for _ in range(rng.randint(6, 14)):
            if remaining <= 0:
                break
            quantity = min(remaining, max(Decimal(1), (line.quantity / 12).quantize(Decimal("1"))))
            remaining -= quantity
            household = rng.choice(served) if served and line.item.kind == "service" else None
            services.delivery_record(
                project=project,
                by=by,
                line=line,
                delivered_on=_day(rng, min(first, last), last),
                quantity=quantity,
                household=household,
                satisfaction=rng.choice([3, 4, 4, 5, 5]) if household else None,
            )


def _pay(project: Project, by, rng: random.Random, today: dt.date) -> None:
    advance = (project.amount * Decimal("0.3")).quantize(Decimal("0.01"))
    services.payment_record(
        project=project,
        by=by,
        amount=advance,
        paid_on=min(project.starts_on + dt.timedelta(days=15), today),
        reference="预付30%",
    )
    if rng.random() < 0.7:
        second = (project.delivered_value() * Decimal("0.5")).quantize(Decimal("0.01"))
        if second > 0:
            services.payment_record(
                project=project,
                by=by,
                amount=min(second, project.amount - advance),
                paid_on=min(project.starts_on + dt.timedelta(days=120), today),
                reference="进度款",
            )
