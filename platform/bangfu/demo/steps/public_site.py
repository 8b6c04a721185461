"""The public site (``bangfu.demo.public_site``): news and policy pages, the notices of the
county's procured projects, and the demo charity's offers, moderated, allocated and partly
delivered."""

from wagtail.models import Page, PageLogEntry

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step
from bangfu.demo.public_site import NEWS, POLICIES, load_public_site_demo
from bangfu.demo.steps.organisations import BUREAU
from bangfu.offers.models import Allocation, Charity, Offer
from bangfu.regions.models import Region, within
from cms.models import ContactPoint, HelpRequest, NewsPage, OfferPage, PolicyPage, ProjectPage

HOTLINE = ("社会救助服务热线", "12349")  # added by load_public_site_demo with the bureau's


class PublicSiteStep(Step):
    name = "public-site"

    def build(self, ctx: DemoContext) -> None:
        counts = load_public_site_demo(ctx.county, ctx.rng(self.name), as_of=ctx.options.as_of)
        for label, number in counts.items():
            ctx.count(label, number)

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
        HelpRequest.objects.filter(within(county, "township")).delete()
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
