"""The public site (``bangfu.demo.public_site``): news and policy pages, the notices of the
county's procured projects, and the demo charity's offers, moderated, allocated and partly
delivered; and a few help requests from the public form, one waiting on the desk's to-do list,
one being called back, one passed to the medical insurance bureau."""

import datetime as dt

from django.utils import timezone
from wagtail.models import Page, PageLogEntry

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.public_site import NEWS, POLICIES, load_public_site_demo
from bangfu.demo.steps.organisations import BUREAU
from bangfu.offers.models import Allocation, Charity, Offer
from bangfu.referrals.models import ContactAttempt, HelpRequest
from bangfu.referrals.public_intake import public_help_request_submit
from bangfu.referrals.selectors import township_staff
from bangfu.referrals.services.help_requests import (
    contact_attempt_log,
    help_request_acknowledge,
    help_request_close,
)
from bangfu.regions.models import Region, within
from cms.models import ContactPoint, NewsPage, OfferPage, PolicyPage, ProjectPage

HOTLINE = ("社会救助服务热线", "12349")  # added by load_public_site_demo with the bureau's
# (days before the demo's date, name, phone, names a village, story, what the desk did)
HELP_REQUESTS = (
    (0, "杨桂仙", "13988060001", True, "我父亲独自在家，腿脚不便，最近一周没人照顾吃饭。", "new"),
    (
        1,
        "刀建华",
        "13988060002",
        False,
        "孩子患病住院，家里借遍了钱，不知道能申请什么救助。",
        "calling",
    ),
    (3, "白玉芬", "13988060003", True, "丈夫住院花了三万多，医保报销后自付还很多。", "transferred"),
)


class PublicSiteStep(Step):
    name = "public-site"

    def build(self, ctx: DemoContext) -> None:
        counts = load_public_site_demo(ctx.county, ctx.rng(self.name), as_of=ctx.options.as_of)
        for label, number in counts.items():
            ctx.count(label, number)
        ctx.count("help requests", _help_requests(ctx))

    def reset(self) -> None:
        # The home page, the site and the section indexes stay: a migration made them.
        ContactPoint.objects.filter(name=HOTLINE[0], phone=HOTLINE[1]).delete()
        ContactPoint.objects.filter(name=BUREAU).delete()
        pages = [
            NewsPage.objects.filter(slug__in=[row[0] for row in NEWS]),
            PolicyPage.objects.filter(slug__in=[row[0] for row in POLICIES]),
        ]
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is None:
            _delete_pages(pages)
            return
        # Help requests hold their intake case (the referrals step deletes those next).
        requests = HelpRequest.objects.filter(within(county, "township"))
        forget_audit(ContactAttempt.objects.filter(help_request__in=requests), requests)
        requests.exclude(duplicate_of=None).delete()  # a duplicate holds its original
        requests.delete()
        charities = Charity.objects.filter(within(county, "organisation__region"))
        offers = Offer.objects.filter(charity__in=charities)
        # Pages hold their project and offer, allocations their need and offer (PROTECT).
        _delete_pages(
            [
                *pages,
                ProjectPage.objects.filter(within(county, "project__region")),
                OfferPage.objects.filter(offer__in=offers),
            ]
        )
        Allocation.objects.filter(within(county, "need__household__region")).delete()
        Allocation.objects.filter(offer__in=offers).delete()
        offers.delete()
        charities.delete()


def _delete_pages(querysets) -> None:
    """Delete the pages and their log; revisions and search entries go with each page."""
    ids = [pk for queryset in querysets for pk in queryset.values_list("pk", flat=True)]
    PageLogEntry.objects.filter(page_id__in=ids).delete()
    Page.objects.filter(pk__in=ids).delete()


def _help_requests(ctx: DemoContext) -> int:
    """Requests from the help form, as visitors send them, and what the desk did with them."""
    rng = ctx.rng("help-requests")
    for days, name, phone, names_village, story, handled in HELP_REQUESTS:
        township = rng.choice(ctx.townships)
        villages = [v for v in ctx.villages if ctx.township_of[v.pk] == township]
        at = timezone.make_aware(
            dt.datetime.combine(ctx.options.as_of - dt.timedelta(days=days), dt.time(9, 30))
        )
        code = public_help_request_submit(
            name=name,
            phone=phone,
            township=township,
            village=rng.choice(villages) if names_village and villages else None,
            description=story,
            consent=True,
            at=at,
        )
        if handled == "new":
            continue
        help_request = HelpRequest.objects.get(code=code.replace("-", ""))
        desk = township_staff(township)[0]
        later = at + dt.timedelta(hours=3)
        help_request_acknowledge(help_request=help_request, by=desk, at=later)
        contact_attempt_log(
            help_request=help_request, by=desk, reached=handled != "calling", at=later, note=""
        )
        if handled == "transferred":
            help_request_close(
                help_request=help_request,
                by=desk,
                reason=HelpRequest.CloseReason.OTHER_DEPARTMENT,
                department=HelpRequest.Department.MEDICAL_INSURANCE,
                details="住院自付费用高，转县医保局审核医疗救助。",
                at=later + dt.timedelta(hours=1),
            )
    return len(HELP_REQUESTS)
