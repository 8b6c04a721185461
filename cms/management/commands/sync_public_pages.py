"""Bring the public site in step with the data: project pages (公示) and offer pages."""

from django.core.management.base import BaseCommand, CommandError

from bangfu.offers.models import Offer
from bangfu.regions.models import Region
from cms.services import offer_page_sync, project_pages_sync, site_ensure


class Command(BaseCommand):
    help = "Create, refresh or unpublish the pages of procured projects and charity offers."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="Only projects of this region code and below.")

    def handle(self, *args, region=None, **options):
        area = None
        if region:
            area = Region.objects.filter(code=region).first()
            if area is None:
                raise CommandError(f"No region with code {region}.")
        site_ensure()
        counts = project_pages_sync(region=area)
        offers = 0
        for offer_id in Offer.objects.exclude(status=Offer.Status.DRAFT).values_list(
            "pk", flat=True
        ):
            offer_page_sync(offer_id=offer_id)
            offers += 1
        self.stdout.write(
            "projects: {published} published, {refreshed} refreshed, {unpublished} unpublished; "
            "offers checked: {offers}".format(offers=offers, **counts)
        )
