"""What the public pages read, shaped for display: only public fields, never a household.

Projects come through ``procurement.selectors.published_projects`` and ``public_summary()``;
offers through ``offers.selectors.public_offers``. Both are read live at each request, so the
delivery so far and what is left of an offer are always the current figures.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from bangfu.offers.models import Allocation, Offer
from bangfu.offers.selectors import public_offers
from bangfu.procurement.models import Evaluation, Project
from bangfu.procurement.selectors import published_projects
from cms.models import NewsPage, OfferPage, ProjectPage

ZERO = Decimal("0.00")


def latest_news(*, limit: int = 3):
    return list(NewsPage.objects.live().public().order_by("-date", "-pk")[:limit])


# --- offers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferCard:
    pk: int
    title: str
    url: str
    description: str
    charity: str
    charity_introduction: str
    kind: str
    category: str
    unit: str
    quantity: int
    units_per_household: int
    remaining_units: int
    remaining_households: int
    households_total: int
    delivered_households: int
    amount_per_household: Decimal
    valid_from: dt.date
    valid_until: dt.date
    area: list[str]
    eligibility: list[str]
    delivery: str
    delivery_note: str
    is_current: bool

    @property
    def share_left(self) -> int:
        """Percentage of the quantity still left (for the bar on the page)."""
        return round(100 * self.remaining_units / self.quantity) if self.quantity else 0


def _card(offer: Offer, url: str, delivered: int, today: dt.date) -> OfferCard:
    charity = offer.charity
    return OfferCard(
        pk=offer.pk,
        title=offer.title,
        url=url,
        description=offer.description,
        charity=charity.name,
        charity_introduction=charity.introduction,
        kind=offer.get_kind_display(),
        category=offer.category.name,
        unit=offer.unit,
        quantity=offer.quantity,
        units_per_household=offer.units_per_household,
        remaining_units=offer.remaining_units(),
        remaining_households=offer.remaining_households(),
        households_total=offer.households_total,
        delivered_households=delivered,
        amount_per_household=offer.amount_per_household,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        area=[region.name for region in offer.area()],
        eligibility=offer.eligibility_in_words(),
        delivery=offer.get_delivery_method_display(),
        delivery_note=offer.delivery_note,
        is_current=(
            offer.status == Offer.Status.APPROVED
            and offer.charity.is_approved
            and offer.is_valid_on(today)
        ),
    )


def _delivered_counts(offer_ids) -> dict[int, int]:
    rows = (
        Allocation.objects.filter(offer_id__in=offer_ids, status=Allocation.Status.DELIVERED)
        .values("offer_id")
        .annotate(n=Count("household", distinct=True))
    )
    return {row["offer_id"]: row["n"] for row in rows}


def offer_cards(*, limit: int | None = None) -> list[OfferCard]:
    """Offers valid today whose public page is live, soonest-ending first."""
    today = timezone.localdate()
    urls = {page.offer_id: page.url for page in OfferPage.objects.live().public().only("offer_id")}
    offers = [offer for offer in public_offers(today=today) if offer.pk in urls]
    if limit is not None:
        offers = offers[:limit]
    delivered = _delivered_counts([offer.pk for offer in offers])
    return [_card(offer, urls[offer.pk], delivered.get(offer.pk, 0), today) for offer in offers]


def offer_card(offer_id: int) -> OfferCard | None:
    offer = (
        Offer.objects.filter(pk=offer_id)
        .select_related("charity__organisation__region", "category")
        .prefetch_related("regions", "need_categories")
        .with_allocated()
        .first()
    )
    if offer is None:
        return None
    page = OfferPage.objects.filter(offer_id=offer_id).first()
    delivered = _delivered_counts([offer_id]).get(offer_id, 0)
    return _card(offer, page.url if page else "", delivered, timezone.localdate())


def offer_search_words(offer_id: int) -> str:
    offer = (
        Offer.objects.filter(pk=offer_id)
        .select_related("charity__organisation__region", "category")
        .prefetch_related("regions", "need_categories")
        .first()
    )
    if offer is None:
        return ""
    categories = [offer.category, *offer.need_categories.all()]
    return " ".join(
        [
            offer.title,
            offer.description,
            offer.charity.name,
            offer.get_kind_display(),
            *(f"{c.name} {c.name_en}" for c in categories),
            *(region.name for region in offer.area()),
        ]
    )


def offer_teaser(offer_id: int) -> str:
    card = offer_card(offer_id)
    if card is None:
        return ""
    return f"{card.charity} · {card.category} · {card.description}"


# --- projects --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRow:
    title: str
    url: str
    agency: str
    region: str
    year: int
    amount: Decimal
    status: str
    starts_on: dt.date
    ends_on: dt.date
    target_households: int
    households_served: int


def _live_project_pages(index_page=None):
    pages = ProjectPage.objects.live().public()
    if index_page is not None:
        pages = pages.child_of(index_page)
    return pages


def project_years(index_page) -> list[int]:
    ids = _live_project_pages(index_page).values("project_id")
    return sorted(
        set(Project.objects.filter(pk__in=ids).values_list("year", flat=True)), reverse=True
    )


def project_rows(index_page, *, year: int | None = None) -> list[ProjectRow]:
    urls = {page.project_id: page.url for page in _live_project_pages(index_page)}
    projects = published_projects().filter(pk__in=list(urls))
    if year:
        projects = projects.filter(year=year)
    return [
        ProjectRow(
            title=project.name,
            url=urls[project.pk],
            agency=project.agency.name,
            region=project.region.name,
            year=project.year,
            amount=project.amount,
            status=project.get_status_display(),
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            target_households=project.target_households,
            households_served=project.households_served(),
        )
        for project in projects.order_by("-year", "-amount", "pk")
    ]


def project_figures(*, year: int | None = None) -> dict:
    """Totals over the projects on the public site: how many, how much, households served."""
    ids = _live_project_pages().values("project_id")
    projects = published_projects().filter(pk__in=ids)
    if year:
        projects = projects.filter(year=year)
    projects = list(projects)
    return {
        "count": len(projects),
        "amount": sum((p.amount for p in projects), ZERO),
        "households_served": sum(p.households_served() for p in projects),
        "closed": sum(1 for p in projects if p.status == Project.Status.CLOSED),
    }


def project_summary(project_id: int) -> dict | None:
    """``public_summary()`` plus the latest evaluation grade once the project is closed."""
    project = published_projects().filter(pk=project_id).first()
    if project is None:
        return None
    summary = project.public_summary()
    summary["is_closed"] = project.status == Project.Status.CLOSED
    summary["evaluation"] = None
    if summary["is_closed"]:
        evaluation = (
            Evaluation.objects.filter(project=project).order_by("-evaluated_on", "-pk").first()
        )
        if evaluation is not None:
            summary["evaluation"] = {
                "grade": evaluation.get_grade_display(),
                "score": evaluation.final_score,
                "evaluated_on": evaluation.evaluated_on,
            }
    summary["description"] = project.description
    return summary


def project_search_words(project_id: int) -> str:
    project = published_projects().filter(pk=project_id).first()
    if project is None:
        return ""
    summary = project.public_summary()
    return " ".join(
        [
            summary["name"],
            summary["agency"],
            summary["region"],
            str(summary["year"]),
            project.description,
            *summary["service_area"],
            *(line["item"] for line in summary["lines"]),
        ]
    )


def project_teaser(project_id: int) -> str:
    project = Project.objects.filter(pk=project_id).select_related("agency", "region").first()
    if project is None:
        return ""
    return f"{project.region.name} · {project.year} · {project.agency.name}"
