"""The only code that writes the public site's pages.

Pages of projects and offers follow the public records of procurement and offers:
``project_page_sync`` and ``offer_page_sync`` create, retitle, re-index or unpublish them and
are safe to run any number of times. They run when a row is published (``cms.tasks``, queued
after the commit by ``bangfu.core.publications``); ``manage.py sync_public_pages`` runs them
over every row after an outage of the task queue. ``site_ensure`` puts back the home page, the
default site and the section indexes when they are missing (a fresh database, a flushed test
database). A help request is not the site's: the help views hand it to referrals' public intake.
"""

from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site
from wagtail.search.index import insert_or_update_object

from bangfu.offers.public import offer_notice, submitted_offer_ids
from bangfu.procurement.public import project_ids, project_notice
from bangfu.regions.models import Region
from cms.models import (
    HomePage,
    NewsIndexPage,
    OfferIndexPage,
    OfferPage,
    PolicyIndexPage,
    ProjectIndexPage,
    ProjectPage,
)

HOME_TITLE = "帮扶 · 社会救助服务平台"
HOME_INTRO = "困难群众一键求助，政府购买服务项目和慈善帮扶信息公开。"
# Section indexes under the home page: (model, slug, title, introduction). Content, so Chinese.
SECTIONS = (
    (NewsIndexPage, "news", "新闻动态", "社会救助工作动态。"),
    (PolicyIndexPage, "policies", "政策解读", "社会救助政策，用通俗的话讲清楚。"),
    (
        ProjectIndexPage,
        "projects",
        "购买服务项目公示",
        "政府购买社会救助服务项目：承接机构、金额、服务期限、目标和进展，长期公示，群众可查。",
    ),
    (
        OfferIndexPage,
        "offers",
        "慈善帮扶",
        "慈善组织和爱心企业提供的资金、物资和服务，经民政部门审核后发布。",
    ),
)


# --- the page tree ---------------------------------------------------------------------------


def _default_locale() -> Locale:
    code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    return Locale.objects.get_or_create(language_code=code)[0]


@transaction.atomic
def site_ensure() -> HomePage:
    """The home page, the default site on it, and the section indexes: made if missing."""
    home = HomePage.objects.first()
    if home is None:
        locale = _default_locale()
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Root", slug="root", locale=locale)
        )
        home = root.add_child(
            instance=HomePage(title=HOME_TITLE, slug="home", intro=HOME_INTRO, locale=locale)
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            site_name=HOME_TITLE,
            root_page=home,
            is_default_site=True,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    for model, slug, title, intro in SECTIONS:
        if not model.objects.exists():
            home.add_child(instance=model(title=title, slug=slug, intro=intro, show_in_menus=True))
    return home


def section(model) -> Page:
    """The one index page of a section (projects, offers …), made if missing."""
    page = model.objects.first()
    if page is None:
        site_ensure()
        page = model.objects.get()
    return page


def _publish(page: Page, *, title: str) -> None:
    page.title = title
    page.draft_title = title
    page.save_revision(log_action=False).publish(log_action=False)


def _page_sync(model, index, *, kind: str, pk: int, title: str | None) -> Page | None:
    """Bring the page of a row (of ``kind``, e.g. "offer") in step with its public record:
    made and published while the record has a ``title``, retitled or re-indexed when it
    changed, unpublished when there is no record (``title`` None).

    The section's index page is locked first: syncs of one section queue there, so two workers
    cannot both make the page of one row, nor give two new pages the same tree path."""
    parent = index.objects.select_for_update().get(pk=section(index).pk)
    page = model.objects.filter(**{f"{kind}_id": pk}).first()
    if title is None:
        if page is not None and page.live:
            page.unpublish(log_action=False)
        return page
    if page is None:
        page = model(title=title, slug=f"{kind}-{pk}", **{f"{kind}_id": pk})
        parent.add_child(instance=page)
        _publish(page, title=title)
    elif page.title != title or not page.live:
        _publish(page, title=title)
    else:
        insert_or_update_object(page)  # the figures or the description may have changed
    return page


@transaction.atomic
def offer_page_sync(*, offer_id: int) -> OfferPage | None:
    """The offer's page is live while the offer is published and its charity approved."""
    notice = offer_notice(offer_id)
    title = notice.title if notice else None
    return _page_sync(OfferPage, OfferIndexPage, kind="offer", pk=offer_id, title=title)


@transaction.atomic
def project_page_sync(*, project_id: int) -> ProjectPage | None:
    """A project has a live page (公示) from its approval on, kept in step with its name."""
    notice = project_notice(project_id)
    title = notice.name if notice else None
    return _page_sync(ProjectPage, ProjectIndexPage, kind="project", pk=project_id, title=title)


def _resync(pages, pks, sync) -> dict[str, int]:
    """Sync the page of every row in ``pks``; counts the pages published, refreshed and
    unpublished (``pages``: the page model's (row id, live) pairs before)."""
    was_live = dict(pages)
    counts = {"published": 0, "refreshed": 0, "unpublished": 0}
    for pk in pks:
        page = sync(pk)
        if page is not None and page.live:
            counts["refreshed" if was_live.get(pk) else "published"] += 1
        elif was_live.get(pk):
            counts["unpublished"] += 1
    return counts


def project_pages_sync(*, region: Region | None = None) -> dict[str, int]:
    """Every project page of the region (default: everywhere) in step, for an operator after
    an outage of the task queue, and for the demo; safe to rerun."""
    return _resync(
        ProjectPage.objects.values_list("project_id", "live"),
        project_ids(region=region),
        lambda pk: project_page_sync(project_id=pk),
    )


def offer_pages_sync() -> dict[str, int]:
    """Every offer page in step (see ``project_pages_sync``)."""
    return _resync(
        OfferPage.objects.values_list("offer_id", "live"),
        submitted_offer_ids(),
        lambda pk: offer_page_sync(offer_id=pk),
    )
