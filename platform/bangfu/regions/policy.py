"""Policy parameters: what each one is, and the value in force for a region and year.

The numbers themselves live in the database (national defaults from
``regions/data/policy_defaults.json``, overridden per region and year by a bureau manager on the
policy settings page), never here.
"""

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import import_module

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import PolicyValue, Region, path_and_above

# What a kind of parameter is measured in, and the range a value must lie in.
UNITS = {
    "money": (_("yuan"), Decimal("0"), None),
    "percent": (_("%"), Decimal("0"), Decimal("1000")),
    "months": (_("months"), 1, 120),
    "days": (_("days"), 0, 365),
    "hours": (_("hours"), 0, 24 * 30),
    "count": ("", 0, 10_000_000),
    "choice": ("", None, None),
    # Any number of the parameter's choices, none included (e.g. statuses confirmed at county).
    "choices": ("", None, None),
    # Each named weight: 0 gives the name no points (a rule switched off).
    "weights": (_("points"), Decimal("0"), None),
}
WHOLE_NUMBERS = {"months", "days", "hours", "count"}


@dataclass(frozen=True)
class Parameter:
    """One policy parameter, declared by the app that reads it (``register_parameters``)."""

    label: str
    kind: str  # a key of UNITS
    choices: tuple[str, ...] = ()
    minimum: Decimal | int | None = None  # narrower than the kind's range, when the rule is
    maximum: Decimal | int | None = None
    # Weights: the names the scoring reads, nested ones dotted ("tier.tekun"). A value must
    # give each of them, and no other, so a misspelt name is refused rather than read as 0.
    names: tuple[str, ...] = ()
    # What people call each weight's name, or each choice.
    name_labels: Mapping[str, str] = field(default_factory=dict)

    def name_label(self, name: str) -> str:
        label = self.name_labels.get(name)
        return f"{label} · {name}" if label else name

    def choice_label(self, choice: str) -> str:
        return str(self.name_labels.get(choice, choice))

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


# Filled by each app's ``policy`` module: the regions app holds values, not their meaning.
PARAMETERS: dict[str, Parameter] = {}
# Parameter key -> the name of the app that declares it: the settings page groups by it.
TOPICS: dict[str, str] = {}


def register_parameters(parameters: dict[str, Parameter]) -> None:
    """Declare an app's parameters; a key declared twice with another meaning is a bug."""
    for key, parameter in parameters.items():
        if PARAMETERS.get(key, parameter) != parameter:
            raise ImproperlyConfigured(f"Policy parameter {key!r} is declared twice.")
        if parameter.kind == "weights" and not parameter.names:
            raise ImproperlyConfigured(f"Weights {key!r} must name the weights the scoring reads.")
        PARAMETERS[key] = parameter


def discover_parameters() -> None:
    """Import every app's ``policy`` module, which registers the parameters the app reads, and
    file them under the app's name (the module's ``PARAMETERS``)."""
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "policy"):
            continue
        module = import_module(f"{app_config.name}.policy")
        if module is sys.modules[__name__]:
            continue
        for key in getattr(module, "PARAMETERS", {}):
            TOPICS[key] = app_config.verbose_name


@dataclass(frozen=True)
class PolicyAccess:
    """Who may read and who may set the policy of a region. The regions app knows no roles: the
    app that does registers this (``accounts/policy.py``); until it has, nobody may."""

    readable_regions: Callable[[object], QuerySet[Region]]
    may_change: Callable[[object, Region], bool]
    # Whether there is any region the user may read: asked on every page (the navigation), so
    # answered without a query where possible.
    may_read: Callable[[object], bool]


_access: list[PolicyAccess] = []


def register_policy_access(access: PolicyAccess) -> None:
    _access[:] = [access]


def readable_regions(user) -> QuerySet[Region]:
    """The regions whose policy the user may read."""
    return _access[0].readable_regions(user) if _access else Region.objects.none()


def may_read(user) -> bool:
    """Whether the user may open the settings page at all."""
    return bool(_access) and _access[0].may_read(user)


def may_change(user, region: Region) -> bool:
    """Whether the user may set the policy of ``region``."""
    return bool(_access) and _access[0].may_change(user, region)


class PolicyNotSet(LookupError):
    def __init__(self, key: str, region: Region, year: int):
        super().__init__(f"Policy parameter {key!r} is not set for {region} in {year} or above it.")
        self.key, self.region, self.year = key, region, year


class ParameterError(ValueError):
    """A value that does not fit its parameter; ``name`` is the weight at fault, if one is."""

    def __init__(self, message: str, name: str = ""):
        super().__init__(message)
        self.name = name


def flat_weights(weights: dict, prefix: str = "") -> dict:
    """Nested weights by dotted names: ``{"tier": {"tekun": 40}, "waiting_cap": 20}`` ->
    ``{"tier.tekun": 40, "waiting_cap": 20}``."""
    flat = {}
    for name, weight in weights.items():
        if isinstance(weight, dict):
            flat.update(flat_weights(weight, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = weight
    return flat


def nested_weights(flat: dict) -> dict:
    """The inverse of ``flat_weights``."""
    nested: dict = {}
    for name, weight in flat.items():
        *groups, last = name.split(".")
        level = nested
        for group in groups:
            level = level.setdefault(group, {})
        level[last] = weight
    return nested


def _number(raw, kind: str, name: str = "") -> Decimal | int:
    try:
        if isinstance(raw, bool | dict | list) or raw is None:
            raise InvalidOperation
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise ParameterError(gettext("%(value)r is not a number") % {"value": raw}, name)
    if kind in WHOLE_NUMBERS:
        if value != value.to_integral_value():
            raise ParameterError(gettext("%(value)s is not a whole number") % {"value": raw}, name)
        return int(value)
    return value


def _check_range(value, low, high, name: str = "") -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        shown = f"{low}-{high}" if high is not None else gettext("at least %(low)s") % {"low": low}
        raise ParameterError(
            gettext("%(value)s is out of range (%(range)s)") % {"value": value, "range": shown},
            name,
        )


def coerce(key: str, raw):
    """Turn a stored JSON value into its typed value; raise ``ParameterError`` (a ValueError)
    if it does not fit, naming the weight at fault for weights."""
    parameter = PARAMETERS[key]
    kind = parameter.kind
    if kind == "choice":
        if raw not in parameter.choices:
            raise ParameterError(
                gettext("%(value)r is not one of %(choices)s")
                % {"value": raw, "choices": ", ".join(parameter.choices)}
            )
        return raw
    if kind == "choices":
        return _coerce_choices(parameter, raw)
    if kind == "weights":
        return _coerce_weights(parameter, raw)
    value = _number(raw, kind)
    _check_range(value, *parameter.range)
    return value


def _coerce_choices(parameter: Parameter, raw) -> list[str]:
    """A list of the parameter's choices, each once, in the parameter's order."""
    if not isinstance(raw, list | tuple):
        raise ParameterError(gettext("Give a list of choices."))
    for choice in raw:
        if choice not in parameter.choices:
            raise ParameterError(
                gettext("%(value)r is not one of %(choices)s")
                % {"value": choice, "choices": ", ".join(parameter.choices)}
            )
    return [choice for choice in parameter.choices if choice in raw]


def _coerce_weights(parameter: Parameter, raw) -> dict:
    if not isinstance(raw, dict):
        raise ParameterError(gettext("Weights must be an object of named weights."))
    given = flat_weights(raw)
    for name in given:
        if name not in parameter.names:
            raise ParameterError(
                gettext("%(name)s is not a weight the scoring reads (it reads %(names)s)")
                % {"name": name, "names": ", ".join(parameter.names)},
                name,
            )
    for name in parameter.names:
        if name not in given:
            raise ParameterError(gettext("The weight %(name)s is missing.") % {"name": name}, name)
    typed = {}
    for name in parameter.names:
        typed[name] = _number(given[name], parameter.kind, name)
        _check_range(typed[name], *parameter.range, name)
    return nested_weights(typed)


def as_json(value):
    """A typed value as it is stored: decimals as strings (exact), the rest as they are."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {name: as_json(item) for name, item in value.items()}
    return value


@dataclass(frozen=True)
class Setting:
    """A stored value and where it comes from: the region that set it (its name and level; ""
    and 0 for the national default) and the year from which it is in force."""

    value: object
    region: str
    level: int
    year: int
    source: str

    @property
    def rank(self) -> tuple[int, int]:
        """The deepest region wins, then the latest year."""
        return (self.level, self.year)


class Policy:
    """Every parameter in force for one region (None: the nation) and year, read with one query.

    Besides the value in force, it knows what the region would inherit without a value of its
    own for that very year (``inherited``): what a revert brings back."""

    def __init__(self, region: Region | None, year: int):
        self.region, self.year = region, year
        paths = path_and_above(region.path) if region else []
        own = (region.level if region else 0, year)
        rows = (
            PolicyValue.objects.filter(year__lte=year)
            .filter(Q(region__path__in=paths) | Q(region=None))
            .values_list("key", "value", "region__name", "region__level", "year", "source")
        )
        self._settings: dict[str, Setting] = {}
        self._inherited: dict[str, Setting] = {}
        for key, value, name, level, row_year, source in rows:
            setting = Setting(value, name or "", level or 0, row_year, source)
            _keep_best(self._settings, key, setting)
            if setting.rank != own:
                _keep_best(self._inherited, key, setting)

    def setting(self, key: str) -> Setting | None:
        """The stored value in force and where it comes from; None when nobody set it."""
        return self._settings.get(key)

    def inherited(self, key: str) -> Setting | None:
        """What would be in force without the region's own value for this year."""
        return self._inherited.get(key)

    def __getitem__(self, key: str):
        if key not in PARAMETERS:
            raise KeyError(key)
        if key not in self._settings:
            raise PolicyNotSet(key, self.region, self.year)
        return coerce(key, self._settings[key].value)

    def get(self, key: str, default=None):
        try:
            return self[key]
        except PolicyNotSet:
            return default


def keep_policy_reads(region: Region) -> None:
    """Let ``policy_for`` read ``region``'s policy once per year for as long as this object
    lives: for a page that asks it in several places (the household page's panels)."""
    region.__dict__.setdefault("_policy_reads", {})


def policy_for(region: Region | None, year: int) -> Policy:
    """``Policy(region, year)``; read once for a region object kept by ``keep_policy_reads``
    (only there: a region read afresh, as a service reads it, reads the policy afresh)."""
    reads = region.__dict__.get("_policy_reads") if region is not None else None
    if reads is None:
        return Policy(region, year)
    if year not in reads:
        reads[year] = Policy(region, year)
    return reads[year]


def _keep_best(best: dict[str, Setting], key: str, setting: Setting) -> None:
    if key not in best or setting.rank > best[key].rank:
        best[key] = setting
