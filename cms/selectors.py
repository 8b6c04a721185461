"""What the public pages read, shaped for display: only public records, never a household.

Projects come through ``bangfu.procurement.public``, offers through ``bangfu.offers.public``:
plain records of public fields, read live at each request, so the delivery so far and what is
left of an offer are always the current figures. Lists pair each record with the URL of its
live page; a row without a live page is not shown.
"""

from decimal import Decimal

from bangfu.offers.public import OfferNotice, listed_offer_notices, offer_notice
from bangfu.procurement.public import (
    ProjectNotice,
    project_notice,
    project_notices,
    project_years,
)
from cms.models import NewsPage, OfferPage, ProjectPage

ZERO = Decimal("0.00")


def latest_news(*, limit: int = 3):
    return list(NewsPage.objects.live().public().order_by("-date", "-pk")[:limit])


# --- offers ----------------------------------------------------------------------------------


def offer_cards(*, limit: int | None = None) -> list[tuple[OfferNotice, str]]:
    """Offers not ended whose public page is live, with its URL: those valid today first,
    soonest-ending first, then those starting soon (即将开始)."""
    urls = {page.offer_id: page.url for page in OfferPage.objects.live().public().only("offer_id")}
    return [(notice, urls[notice.pk]) for notice in listed_offer_notices(ids=urls, limit=limit)]


def offer_card(offer_id: int) -> OfferNotice | None:
    return offer_notice(offer_id)


def offer_search_words(offer_id: int) -> str:
    notice = offer_notice(offer_id)
    if notice is None:
        return ""
    return " ".join(
        [
            notice.title,
            notice.description,
            notice.charity,
            notice.kind,
            *notice.keywords,
            *notice.area,
        ]
    )


def offer_teaser(offer_id: int) -> str:
    notice = offer_notice(offer_id)
    if notice is None:
        return ""
    return f"{notice.charity} · {notice.category} · {notice.description}"


# --- projects --------------------------------------------------------------------------------


def _live_project_urls(index_page=None) -> dict[int, str]:
    pages = ProjectPage.objects.live().public()
    if index_page is not None:
        pages = pages.child_of(index_page)
    return {page.project_id: page.url for page in pages}


def _figures(notices: list[ProjectNotice]) -> dict:
    """Totals over the notices: how many, how much, households served, how many closed."""
    return {
        "count": len(notices),
        "amount": sum((notice.amount for notice in notices), ZERO),
        "households_served": sum(notice.households_served for notice in notices),
        "closed": sum(1 for notice in notices if notice.is_closed),
    }


def project_figures() -> dict:
    """Totals over every project on the public site."""
    return _figures(project_notices(ids=_live_project_urls()))


def project_index(index_page, *, year: int | None = None) -> dict:
    """The index of project notices: the years there are, the notices of the year (all, if
    none) each with its URL, and their totals."""
    urls = _live_project_urls(index_page)
    # Only the year shown is built into notices: each carries its deliveries' totals.
    shown = project_notices(ids=urls, year=year)
    return {
        "years": project_years(ids=urls),
        "rows": [(notice, urls[notice.pk]) for notice in shown],
        "figures": _figures(shown),
    }


def project_summary(project_id: int) -> ProjectNotice | None:
    return project_notice(project_id)


def project_search_words(project_id: int) -> str:
    notice = project_notice(project_id)
    if notice is None:
        return ""
    return " ".join(
        [
            notice.name,
            notice.agency,
            notice.region,
            str(notice.year),
            notice.description,
            *notice.service_area,
            *(line.item for line in notice.lines),
        ]
    )


def project_teaser(project_id: int) -> str:
    notice = project_notice(project_id)
    if notice is None:
        return ""
    return f"{notice.region} · {notice.year} · {notice.agency}"
