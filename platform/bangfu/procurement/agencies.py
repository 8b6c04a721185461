"""Which service agencies a buying region may contract.

An agency serves the region it is registered in (its home region), every region inside it and
every region above it: a county's agency takes the county's and its townships' projects, and a
township's agency its county's. Anywhere else it first needs a registration with that region's
bureau (跨区域承接备案, ``AgencyRegistration``), entered by configuration staff in /admin/; the
registered region then counts as a home region.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.regions.models import Region, overlapping


class AgencyRegistration(models.Model):
    """A service agency registered to serve a region beyond its home region."""

    agency = models.ForeignKey(
        Organisation,
        models.CASCADE,
        related_name="service_registrations",
        verbose_name=_("service agency"),
        limit_choices_to={"kind": Organisation.Kind.AGENCY},
    )
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name=_("region served"),
        limit_choices_to={
            "level__in": [Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP]
        },
    )
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    reference = models.CharField(_("registration reference"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("agency registration")
        verbose_name_plural = _("agency registrations")
        ordering = ["region__path", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "region"], name="agency_registered_once_per_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} → {self.region}"

    def clean(self) -> None:
        if self.agency_id and self.agency.kind != Organisation.Kind.AGENCY:
            raise ValidationError({"agency": _("Choose a service agency.")})


def serving(paths) -> Q:
    """A filter of organisations: the agencies that serve a region of ``paths``."""
    registered = AgencyRegistration.objects.filter(
        overlapping(paths, "region"), agency=OuterRef("pk")
    )
    return Q(kind=Organisation.Kind.AGENCY) & (overlapping(paths, "region") | Q(Exists(registered)))


def serves(agency: Organisation, region: Region) -> bool:
    return Organisation.objects.filter(serving([region.path]), pk=agency.pk).exists()
