"""Policy parameters: what each one is, and the value in force for a region and year.

The numbers themselves live in the database (national defaults from
``regions/data/policy_defaults.json``, overridden per region and year by staff), never here.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import PolicyValue, Region

# What a kind of parameter is measured in, and the range a value must lie in.
UNITS = {
    "money": (_("yuan"), Decimal("0"), None),
    "percent": (_("%"), Decimal("0"), Decimal("1000")),
    "months": (_("months"), 1, 120),
    "days": (_("days"), 0, 365),
    "count": ("", 0, 10_000_000),
    "choice": ("", None, None),
    "weights": ("", None, None),
}


@dataclass(frozen=True)
class Parameter:
    """One policy parameter, declared by the app that reads it (``register_parameters``)."""

    label: str
    kind: str  # a key of UNITS
    choices: tuple[str, ...] = ()
    minimum: Decimal | int | None = None  # narrower than the kind's range, when the rule is
    maximum: Decimal | int | None = None

    @property
    def unit(self) -> str:
        return UNITS[self.kind][0]

    @property
    def range(self) -> tuple:
        _unit, low, high = UNITS[self.kind]
        return (
            low if self.minimum is None else self.minimum,
            high if self.maximum is None else self.maximum,
        )


# Filled by each app's AppConfig.ready: the regions app holds values, not their meaning.
PARAMETERS: dict[str, Parameter] = {}


def register_parameters(parameters: dict[str, Parameter]) -> None:
    """Declare an app's parameters; a key declared twice with another meaning is a bug."""
    for key, parameter in parameters.items():
        if PARAMETERS.get(key, parameter) != parameter:
            raise ImproperlyConfigured(f"Policy parameter {key!r} is declared twice.")
        PARAMETERS[key] = parameter


class PolicyNotSet(LookupError):
    def __init__(self, key: str, region: Region, year: int):
        super().__init__(f"Policy parameter {key!r} is not set for {region} in {year} or above it.")
        self.key, self.region, self.year = key, region, year


def coerce(key: str, raw):
    """Turn a stored JSON value into its typed value; raise ValueError if it does not fit."""
    parameter = PARAMETERS[key]
    kind = parameter.kind
    if kind == "choice":
        if raw not in parameter.choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(parameter.choices)}")
        return raw
    if kind == "weights":
        if not isinstance(raw, dict):
            raise ValueError("weights must be an object of named weights")
        return raw
    if kind in {"money", "percent"}:
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
    else:
        value = int(raw)
    low, high = parameter.range
    if (low is not None and value < low) or (high is not None and value > high):
        shown = f"{low}-{high}" if high is not None else f"at least {low}"
        raise ValueError(f"{value} is out of range ({shown})")
    return value


class Policy:
    """Every parameter in force for one region and year, read with one query."""

    def __init__(self, region: Region, year: int):
        self.region, self.year = region, year
        codes = [code for code in region.path.split("/") if code]
        rows = (
            PolicyValue.objects.filter(year__lte=year)
            .filter(Q(region__code__in=codes) | Q(region=None))
            .values_list("key", "region__level", "year", "value")
        )
        best: dict[str, tuple[tuple[int, int], object]] = {}
        for key, level, row_year, value in rows:
            rank = (level or 0, row_year)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, value)
        self._values = {key: value for key, (_rank, value) in best.items()}

    def __getitem__(self, key: str):
        if key not in PARAMETERS:
            raise KeyError(key)
        if key not in self._values:
            raise PolicyNotSet(key, self.region, self.year)
        return coerce(key, self._values[key])

    def get(self, key: str, default=None):
        try:
            return self[key]
        except PolicyNotSet:
            return default
