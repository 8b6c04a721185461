import math
import re
from collections.abc import Iterable
from dataclasses import asdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup, Max, Min, Q
from django.db.models.lookups import StartsWith
from django.utils.translation import gettext_lazy as _

from bangfu.core.validators import Bounds, validate_coordinates

# Region coordinates are centres; households lie around them. The box of a county's known
# centres is widened by this much, so a household at the county's edge still fits, while a
# typo of a degree or more (or a swapped latitude and longitude) does not.
HOUSEHOLD_MARGIN_KM = 30
KM_PER_DEGREE = 111.2


def within(region: "Region | str", lookup: str = "") -> Q:
    """Rows whose region (reached through ``lookup``, e.g. ``"household__region"``; the row
    itself when empty) is ``region`` or lies below it. ``region`` may be a region's path. One
    indexed prefix query on the materialised path: the one way the code asks "inside this area"."""
    path = region if isinstance(region, str) else region.path
    return Q(**{f"{lookup}__path__below" if lookup else "path__below": path})


class PathBelow(Lookup):
    """``path__below="53/5304/"``: the path starts with the given one, which is written into
    the SQL, not passed as a parameter. A statement PostgreSQL prepares
    (``DATABASE_PREPARE_THRESHOLD``) is planned once; with the area written in, each area has
    its own statement, planned for how much of the registry it holds. With the area a
    parameter, one plan served a village and the whole province alike, and the plan made for a
    village's few rows read a province's one index entry at a time (the province's referral
    desk at 100k: 16 ms of database time became 38)."""

    lookup_name = "below"
    prepare_rhs = False
    _PATH = re.compile(r"(?:[0-9A-Za-z]+/)+")

    def as_sql(self, compiler, connection):
        if not isinstance(self.rhs, str) or not self._PATH.fullmatch(self.rhs):
            # Not codes and slashes (a hand-made region's code): a parameter, as Django would.
            return StartsWith(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, params = self.process_lhs(compiler, connection)
        # Letters, digits and "/" only: nothing to escape in SQL or in LIKE. The "%%" is the
        # driver's escape for "%", the pattern's wildcard.
        return f"{lhs} LIKE '{self.rhs}%%'", params


def within_any(regions: "Iterable[Region | str]", lookup: str = "") -> Q:
    """Rows inside any of ``regions`` (none: no row)."""
    query = Q(pk__in=[])
    for region in regions:
        query |= within(region, lookup)
    return query


def path_and_above(path: str) -> list[str]:
    """The paths of a region and of every region above it: "53/", "53/5304/", …"""
    return [path[: index + 1] for index, char in enumerate(path) if char == "/"]


def overlapping(regions: "Iterable[Region | str]", lookup: str = "") -> Q:
    """Rows whose region lies inside one of ``regions`` or above it (an area that reaches
    into them)."""
    field = f"{lookup}__path__in" if lookup else "path__in"
    query = Q(pk__in=[])
    for region in regions:
        path = region if isinstance(region, str) else region.path
        query |= within(path, lookup) | Q(**{field: path_and_above(path)})
    return query


def levels_between(highest: int, lowest: int) -> tuple[int, ...]:
    """The levels from ``highest`` down to ``lowest`` (a province is the highest, a village the
    lowest), both included."""
    return tuple(level for level in Region.Level if highest <= level <= lowest)


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: "Region") -> "RegionQuerySet":
        """The region and everything below it."""
        return self.filter(within(region))

    def active(self) -> "RegionQuerySet":
        """Regions in the current official lists: a retired one keeps its households but is
        offered for nothing new."""
        return self.filter(retired_on=None)


class Region(models.Model):
    """A node of the administrative tree, coded GB/T 2260-style (统计用区划代码)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        CITY = 2, _("city")
        COUNTY = 3, _("county")
        TOWNSHIP = 4, _("township / subdistrict")
        VILLAGE = 5, _("village / community")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Materialised path of codes, e.g. "53/5304/530428/": a subtree is a prefix.
    path = models.CharField(max_length=255, unique=True, editable=False)
    path.register_lookup(PathBelow)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Retired, never deleted: households and records keep the region they were registered in.
    retired_on = models.DateField(
        _("retired on"),
        null=True,
        blank=True,
        help_text=_("Empty: in the current official lists (撤销 or merged on this date)."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        self.path = self.path_below(self.parent, self.code)
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A moved node carries its subtree along: one UPDATE per descendant level.
            for child in self.children.all():
                child.save()

    @staticmethod
    def path_below(parent: "Region | None", code: str) -> str:
        """The materialised path of a region of ``code`` under ``parent``: also for rows
        created in bulk, which ``save`` does not see."""
        return (parent.path if parent else "") + f"{code}/"

    def clean(self) -> None:
        if self.parent and self.level <= self.parent.level:
            raise ValidationError({"level": _("A region must sit below its parent's level.")})
        if self.parent and not self.code.startswith(self.parent.code):
            raise ValidationError({"code": _("The code must start with the parent's code.")})
        validate_coordinates(self.latitude, self.longitude, None)

    def ancestors(self, include_self: bool = True) -> models.QuerySet["Region"]:
        codes = [part for part in self.path.split("/") if part]
        if not include_self:
            codes = codes[:-1]
        return Region.objects.filter(code__in=codes).order_by("-level")

    def descendants(self, include_self: bool = True) -> RegionQuerySet:
        subtree = Region.objects.subtree(self)
        return subtree if include_self else subtree.exclude(pk=self.pk)

    def is_within(self, other: "Region | str") -> bool:
        """Whether this region is ``other`` (a region or its path) or lies below it."""
        return self.path.startswith(other if isinstance(other, str) else other.path)

    def county(self) -> "Region":
        """The county this region lies in (the nearest ancestor at county level or above, for
        a city without counties); a region above county level, or with none above it, stands
        for itself."""
        if self.level <= self.Level.COUNTY:
            return self
        return self.ancestors().filter(level__lte=self.Level.COUNTY).first() or self

    def household_bounds(self) -> Bounds | None:
        """Where the households of this region's county may lie: the box around the centres
        of the county and of every place in it, widened by ``HOUSEHOLD_MARGIN_KM``. None when
        no place of the county has coordinates."""
        county = self.county()
        box = (
            Region.objects.subtree(county)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .aggregate(
                south=Min("latitude"),
                north=Max("latitude"),
                west=Min("longitude"),
                east=Max("longitude"),
            )
        )
        if box["south"] is None:
            return None
        south, north = float(box["south"]), float(box["north"])
        poleward = math.cos(math.radians(min(max(abs(south), abs(north)), 89.0)))
        lat_margin = HOUSEHOLD_MARGIN_KM / KM_PER_DEGREE
        lon_margin = lat_margin / poleward
        return Bounds(
            place=county.name,
            south=max(south - lat_margin, -90.0),
            north=min(north + lat_margin, 90.0),
            west=max(float(box["west"]) - lon_margin, -180.0),
            east=min(float(box["east"]) + lon_margin, 180.0),
        )


def counties_of(regions: Iterable[Region]) -> dict[int, Region]:
    """``Region.county()`` of many regions at once (by primary key), in one query."""
    regions = list(regions)
    above = _county_chains(Region.objects.all(), [region.path for region in regions])
    return {region.pk: _nearest_county(region.path, above) for region in regions}


def county_keys_of(paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """For each region path: (the primary key of its region's county, as ``Region.county``
    gives it; the region's own level), in one query and with no model object; a path whose
    region is not found is left out."""
    paths = list(paths)
    rows = Region.objects.values_list("pk", "code", "level", named=True)
    above = _county_chains(rows, paths, own=True)
    found = {}
    for path in paths:
        own = above.get(path.rstrip("/").rsplit("/", 1)[-1])
        if own is not None:
            found[path] = (_nearest_county(path, above).pk, own.level)
    return found


def _county_chains(rows, paths: list[str], *, own: bool = False) -> dict:
    """The rows (regions, or rows with ``pk``, ``code`` and ``level``) at county level or above
    on ``paths``, by code; with each path's own region too, whatever its level, if ``own``."""
    codes = {code for path in paths for code in path.split("/") if code}
    condition = Q(level__lte=Region.Level.COUNTY)
    if own:
        condition |= Q(code__in={path.rstrip("/").rsplit("/", 1)[-1] for path in paths})
    return {row.code: row for row in rows.filter(condition, code__in=codes)}


def _nearest_county(path: str, above: dict):
    """The region of the highest level at county level or above on ``path``."""
    chain = [
        above[code]
        for code in path.split("/")
        if code in above and above[code].level <= Region.Level.COUNTY
    ]
    return max(chain, key=lambda place: place.level)


class RegionChange(models.Model):
    """One change of a region in the official lists (区划变更), as ``load_regions`` recorded it:
    what happened, on which date, from which file, loaded by whom."""

    class Kind(models.TextChoices):
        CREATE = "create", _("created (新设)")
        RENAME = "rename", _("renamed (更名)")
        MERGE = "merge", _("merged (合并)")
        RETIRE = "retire", _("retired (撤销)")
        REINSTATE = "reinstate", _("back in the lists")

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="changes", verbose_name=_("region")
    )
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    old_name = models.CharField(_("old name"), max_length=100, blank=True)
    new_name = models.CharField(_("new name"), max_length=100, blank=True)
    successor = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("merged into"),
    )
    source = models.CharField(_("source file"), max_length=200)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("region change")
        verbose_name_plural = _("region changes")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.region.code}"


class PolicyValue(models.Model):
    """One policy parameter set by a region (or nationally when region is empty) from a year on.

    The value in force for a region and year comes from the deepest region on its path that
    sets the parameter, taking the latest year not after the one asked for.
    """

    key = models.CharField(_("parameter"), max_length=64, db_index=True)
    region = models.ForeignKey(
        Region,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="policy_values",
        verbose_name=_("region"),
        help_text=_("Empty: the national default."),
    )
    year = models.PositiveSmallIntegerField(_("in force from year"))
    value = models.JSONField(_("value"))
    source = models.CharField(_("source document"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("policy parameter value")
        verbose_name_plural = _("policy parameter values")
        constraints = [
            models.UniqueConstraint(fields=["key", "region", "year"], name="policy_value_unique"),
            models.UniqueConstraint(
                fields=["key", "year"],
                condition=models.Q(region=None),
                name="policy_default_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.region or _("national")
        return f"{self.key} @ {where} {self.year}: {self.value}"

    def get_additional_data(self) -> dict:
        """What django-auditlog keeps beside the changes of a row: which parameter, region and
        year it sets (a parameter's history is found by them, also once the row is deleted), the
        source it cites, and what the region inherits without it: the "old" of a creation, the
        "new" of a deletion."""
        from bangfu.regions.policy import Policy

        # A national default inherits nothing.
        inherited = self.region and Policy(self.region, self.year).inherited(self.key)
        return {
            "key": self.key,
            "region": self.region_id,
            "year": self.year,
            "source": self.source,
            "inherited": None if inherited is None else asdict(inherited),
        }

    def clean(self) -> None:
        from bangfu.regions.policy import PARAMETERS, coerce

        if self.key not in PARAMETERS:
            raise ValidationError({"key": _("Unknown policy parameter.")})
        try:
            coerce(self.key, self.value)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise ValidationError({"value": str(exc)}) from exc
