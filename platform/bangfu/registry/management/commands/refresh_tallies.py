"""manage.py refresh_tallies: recount the dashboards' tallies now, and put right the household
list's counts of the next slice of households (beat does both on schedule)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bangfu.registry.summaries import summaries_repair
from bangfu.registry.tallies import tallies_refresh


class Command(BaseCommand):
    help = "Recount the counts the dashboards show, per region."

    def handle(self, *args, **options):
        rows = tallies_refresh()
        repaired = summaries_repair()
        self.stdout.write(
            self.style.SUCCESS(_("Tallies refreshed: %(rows)d rows.") % {"rows": rows})
        )
        if repaired:
            self.stdout.write(_("Household counts put right: %(count)d.") % {"count": repaired})
