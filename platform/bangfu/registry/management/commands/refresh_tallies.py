"""manage.py refresh_tallies: recount the dashboards' tallies now (beat does it on schedule)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bangfu.registry.tallies import tallies_refresh


class Command(BaseCommand):
    help = "Recount the counts the dashboards show, per region."

    def handle(self, *args, **options):
        rows = tallies_refresh()
        self.stdout.write(
            self.style.SUCCESS(_("Tallies refreshed: %(rows)d rows.") % {"rows": rows})
        )
