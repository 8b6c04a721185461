"""The only code that writes the public site's pages and help requests.

Pages of projects and offers follow their source rows: ``project_page_sync`` and
``offer_page_sync`` create, retitle, re-index or unpublish them and are safe to run any number
of times (the Celery tasks and ``manage.py sync_public_pages`` call them). ``site_ensure`` puts
back the home page, the default site and the section indexes when they are missing (a fresh
database, a flushed test database).
"""

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site
from wagtail.search.index import insert_or_update_object

from bangfu.core import crypto, validators
from bangfu.offers.models import Offer
from bangfu.procurement.models import Project
from bangfu.referrals import selectors as referral_selectors
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.services import intake_open
from bangfu.regions.models import Region
from cms.models import (
    HelpRequest,
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


@transaction.atomic
def offer_page_sync(*, offer_id: int) -> OfferPage | None:
    """The offer's page is live while the offer is published and its charity approved."""
    offer = Offer.objects.select_related("charity__organisation").get(pk=offer_id)
    page = OfferPage.objects.filter(offer=offer).first()
    visible = offer.status == Offer.Status.APPROVED and offer.charity.is_approved
    if not visible:
        if page is not None and page.live:
            page.unpublish(log_action=False)
        return page
    if page is None:
        page = OfferPage(title=offer.title, slug=f"offer-{offer.pk}", offer=offer)
        section(OfferIndexPage).add_child(instance=page)
        _publish(page, title=offer.title)
    elif page.title != offer.title or not page.live:
        _publish(page, title=offer.title)
    else:
        insert_or_update_object(page)
    return page


@transaction.atomic
def project_page_sync(*, project_id: int) -> ProjectPage | None:
    """A project has a live page (公示) from its approval on, kept in step with its name."""
    project = Project.objects.get(pk=project_id)
    page = ProjectPage.objects.filter(project=project).first()
    if project.status not in Project.PUBLISHED_STATUSES:
        if page is not None and page.live:
            page.unpublish(log_action=False)
        return page
    if page is None:
        page = ProjectPage(title=project.name, slug=f"project-{project.pk}", project=project)
        section(ProjectIndexPage).add_child(instance=page)
        _publish(page, title=project.name)
    elif page.title != project.name or not page.live:
        _publish(page, title=project.name)
    else:
        insert_or_update_object(page)  # description or lines may have changed
    return page


def project_pages_sync(*, region: Region | None = None) -> dict[str, int]:
    """Bring every project page of the region (default: everywhere) in step; safe to rerun."""
    projects = Project.objects.all()
    if region is not None:
        projects = projects.filter(region__path__startswith=region.path)
    before = dict(ProjectPage.objects.values_list("project_id", "live"))
    counts = {"published": 0, "refreshed": 0, "unpublished": 0}
    for project_id, status in projects.values_list("pk", "status").order_by("pk"):
        page = project_page_sync(project_id=project_id)
        if page is None:
            continue
        was_live = before.get(project_id)
        if status in Project.PUBLISHED_STATUSES:
            counts["refreshed" if was_live else "published"] += 1
        elif was_live:
            counts["unpublished"] += 1
    return counts


# --- help requests ---------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CODE_LENGTH = 8


def normalise_phone(raw: str) -> str:
    """The registry's phone rule (``bangfu.core.validators``), refused on the ``phone`` field."""
    try:
        return validators.normalise_phone(raw)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def help_request_submit(
    *,
    name: str,
    phone: str,
    township: Region,
    description: str,
    consent: bool,
    at: dt.datetime | None = None,
) -> HelpRequest:
    """Open an intake case for the township's staff and return the request with its code.

    The case is opened on behalf of the township's desk (its bureau staff, else the nearest
    bureau above) and written in the site's default language, which the staff read.
    """
    at = at or timezone.now()
    if not consent:
        raise ValidationError({"consent": _("We can only help if we may contact you.")})
    if township.level != Region.Level.TOWNSHIP:
        raise ValidationError({"township": _("Choose your township or subdistrict.")})
    phone = normalise_phone(phone)
    desk = sorted(referral_selectors.township_staff(township), key=lambda user: user.pk)
    if not desk:
        raise ValidationError(
            {"township": _("This township does not take requests online yet: please call 12349.")}
        )
    code = _new_code()
    while HelpRequest.objects.filter(code=code).exists():  # 32^8 codes: rare, cheap to rule out
        code = _new_code()
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Online help request %(code)s\nName: %(name)s\nPhone: %(phone)s\n\n%(description)s"
        ) % {
            "code": format_code(code),
            "name": name.strip(),
            "phone": phone,
            "description": description.strip(),
        }
    intake = intake_open(
        by=desk[0],
        source=IntakeCase.Source.PUBLIC_FORM,
        township=township,
        description=text,
        at=at,
    )
    return HelpRequest.objects.create(
        code=code,
        phone_hash=crypto.lookup_hash(phone),
        township=township,
        intake=intake,
        consented_at=at,
        created_at=at,
    )


@dataclass(frozen=True)
class HelpStatus:
    """What the status page shows: no name, no phone, no description."""

    code: str
    township: str
    submitted_on: dt.date
    updated_on: dt.date
    stage: str
    stage_label: str
    steps: list[tuple[str, bool]]


STAGES = (
    ("received", gettext_lazy("Received by the township")),
    ("referred", gettext_lazy("Passed to a service provider")),
    ("in_service", gettext_lazy("Being helped")),
    ("closed", gettext_lazy("Done")),
)


def _stage(intake: IntakeCase) -> tuple[str, dt.datetime]:
    referral = intake.referrals.order_by("-sent_at", "-pk").first()
    times = [intake.opened_at]
    if referral is not None:
        times += [t for t in (referral.sent_at, referral.accepted_at, referral.ended_at) if t]
    if intake.closed_at:
        times.append(intake.closed_at)
    latest = max(times)
    if intake.status == IntakeCase.Status.CLOSED or (
        referral is not None and referral.status == Referral.Status.COMPLETED
    ):
        return "closed", latest
    if referral is not None and referral.status in Referral.HOLDING:
        return "in_service", latest
    if referral is not None and referral.status == Referral.Status.SENT:
        return "referred", latest
    return "received", latest


def help_request_status(*, code: str, phone: str) -> HelpStatus | None:
    """The progress of a request, if the code and the phone number given with it match."""
    try:
        digits = normalise_phone(phone)
    except ValidationError:
        return None
    request = (
        HelpRequest.objects.filter(code=normalise_code(code))
        .select_related("township", "intake")
        .first()
    )
    if request is None or not hmac.compare_digest(request.phone_hash, crypto.lookup_hash(digits)):
        return None
    stage, updated = _stage(request.intake)
    order = [key for key, _label in STAGES]
    reached = order.index(stage)
    return HelpStatus(
        code=format_code(request.code),
        township=request.township.name,
        submitted_on=timezone.localtime(request.created_at).date(),
        updated_on=timezone.localtime(updated).date(),
        stage=stage,
        stage_label=str(dict(STAGES)[stage]),
        steps=[(str(label), index <= reached) for index, (_key, label) in enumerate(STAGES)],
    )
