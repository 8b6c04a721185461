"""Counts kept per region for the dashboards (bangfu.registry.tallies refreshes them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionTally(models.Model):
    """How many rows of one kind (``measure``, e.g. open needs) with one value (``key``, e.g.
    urgent) lie in one region, as of ``refreshed_at``: the rows registered in it (villages, and
    townships for cases whose village is not known), or, ``below``, the rows registered in the
    regions below it (rolled up). An area's count is the sum of both rows of the regions at its
    top: a province reads a few rows, not its villages' thousands."""

    region = models.ForeignKey(
        "regions.Region", models.CASCADE, related_name="+", verbose_name=_("region")
    )
    measure = models.CharField(_("measure"), max_length=40)
    key = models.CharField(_("key"), max_length=40, blank=True)
    count = models.PositiveIntegerField(_("count"))
    # Rolled up: the rows of the regions below, never those registered in the region itself
    # (they are the row with below=False), so no row is counted twice.
    below = models.BooleanField(_("below the region"), default=False)
    refreshed_at = models.DateTimeField(_("refreshed at"), db_index=True)

    class Meta:
        verbose_name = _("region tally")
        verbose_name_plural = _("region tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "measure", "key", "below"], name="region_tally_unique"
            )
        ]

    def __str__(self) -> str:
        where = "below " if self.below else ""
        return f"{where}{self.region_id} {self.measure}:{self.key} = {self.count}"
