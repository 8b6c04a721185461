"""How big a file one import may be, and from how many rows it runs in the background.

Policy parameters of the importer's region (``import_max_rows``, ``import_max_megabytes``,
``background_rows``): the ledger import reads those of the region covering the user's area,
a cross-check import those of the region the file covers. A file above a cap is refused
before a single row is read, with a message naming the cap and the file's own figure.
"""

import posixpath

from django.utils import timezone

from bangfu.accounts.scoping import scope_for
from bangfu.core.sheet_reading import ImportLimits
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy


def limits_for(region: Region | None) -> ImportLimits:
    """The caps in force in ``region`` this year; without a region, the national ones."""
    # A region with an empty path reads only the rows that apply everywhere.
    policy = Policy(region or Region(path=""), timezone.localdate().year)
    return ImportLimits(
        max_rows=policy["import_max_rows"],
        max_megabytes=policy["import_max_megabytes"],
        background_rows=policy["background_rows"],
    )


def limits_for_user(user) -> ImportLimits:
    """The caps of the lowest region covering the user's whole area (their bureau's region,
    or the township or county of the villages an assistant serves)."""
    scope = scope_for(user)
    paths = [
        *scope.region_paths,
        *Region.objects.filter(pk__in=scope.village_ids).values_list("path", flat=True),
    ]
    if scope.everything or not paths:
        return limits_for(None)
    # Paths are "53/5304/530428/": the common one of two counties of a city is the city's.
    common = posixpath.commonpath(paths)
    return limits_for(Region.objects.filter(path=f"{common}/").first() if common else None)
