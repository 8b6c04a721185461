"""Counts kept per region for the dashboards (bangfu.registry.tallies refreshes them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionTally(models.Model):
    """How many rows of one kind (``measure``, e.g. open needs) with one value (``key``, e.g.
    urgent) lie in one region, as of ``refreshed_at``. Regions are those the rows are
    registered in (villages, and townships for cases whose village is not known): an area's
    count is the sum of a few rows under its path, not a scan of millions."""

    region = models.ForeignKey(
        "regions.Region", models.CASCADE, related_name="+", verbose_name=_("region")
    )
    measure = models.CharField(_("measure"), max_length=40)
    key = models.CharField(_("key"), max_length=40, blank=True)
    count = models.PositiveIntegerField(_("count"))
    refreshed_at = models.DateTimeField(_("refreshed at"), db_index=True)

    class Meta:
        verbose_name = _("region tally")
        verbose_name_plural = _("region tallies")
        constraints = [
            models.UniqueConstraint(fields=["region", "measure", "key"], name="region_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.measure}:{self.key} = {self.count}"
