"""Bring the public site in step with the data after an outage of the task queue.

Pages follow their rows when procurement and offers publish a change (``cms.tasks``, queued on
commit); a task lost with a broker that was down leaves a page behind, which this command puts
right from the same public records.
"""

from django.core.management.base import BaseCommand, CommandError

from bangfu.regions.models import Region
from cms.services import offer_pages_sync, project_pages_sync, site_ensure


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
        for label, counts in (
            ("projects", project_pages_sync(region=area)),
            ("offers", offer_pages_sync()),
        ):
            self.stdout.write(
                "{label}: {published} published, {refreshed} refreshed, "
                "{unpublished} unpublished".format(label=label, **counts)
            )
