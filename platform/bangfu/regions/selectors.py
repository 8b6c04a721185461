"""What the policy settings page reads: the parameters in force for a region and year, grouped
by the app that declares them, where each value comes from, and a parameter's history."""

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from auditlog.models import LogEntry
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core.templatetags.money import yuan
from bangfu.regions.models import PolicyValue, Region
from bangfu.regions.policy import (
    PARAMETERS,
    TOPICS,
    WHOLE_NUMBERS,
    Parameter,
    ParameterError,
    Policy,
    Setting,
    coerce,
    flat_weights,
    readable_regions,
)

NOT_SET = "—"


def policy_regions(user) -> QuerySet[Region]:
    """The regions whose policy the user may open on the settings page: a bureau's region and
    the regions below it down to the townships (no village keeps a policy of its own), retired
    ones left out."""
    return (
        readable_regions(user)
        .filter(level__lte=Region.Level.TOWNSHIP, retired_on=None)
        .order_by("level", "code")
    )


@dataclass(frozen=True)
class ParameterRow:
    key: str
    parameter: Parameter
    setting: Setting | None  # in force
    inherited: Setting | None  # in force without the region's own value of the year
    own: bool  # the region set this value for this very year: it can be reverted
    value: object  # typed; None when not set or no longer valid
    shown: str
    origin: str
    allowed: str


def shown(key: str, value) -> str:
    """A typed value as people read it (units apart)."""
    if value is None:
        return NOT_SET
    kind = PARAMETERS[key].kind
    if kind == "money":
        return yuan(value)
    if kind == "percent":
        return _shown_number(value)
    if kind in WHOLE_NUMBERS:
        return f"{value:,}"
    if kind == "weights":
        return _shown_weights(key, flat_weights(value))
    if kind == "choice":
        return PARAMETERS[key].choice_label(value)
    if kind == "choices":
        labels = [PARAMETERS[key].choice_label(choice) for choice in value]
        return " · ".join(labels) if labels else _("none")
    return str(value)


def _shown_weights(key: str, weights: dict, names=None) -> str:
    labels = PARAMETERS[key].name_labels
    return " · ".join(
        f"{labels.get(name, name)} {_shown_number(weights[name])}" for name in names or weights
    )


def _shown_number(number: Decimal) -> str:
    return f"{number.normalize():f}"


def allowed(parameter: Parameter) -> str:
    """The values a parameter accepts, in words."""
    if parameter.kind == "choice":
        return " / ".join(parameter.choice_label(choice) for choice in parameter.choices)
    if parameter.kind == "choices":
        return _("any of %(choices)s, or none") % {
            "choices": " / ".join(parameter.choice_label(choice) for choice in parameter.choices)
        }
    low, high = parameter.range
    limits = f"{low}–{high}" if high is not None else _("at least %(low)s") % {"low": low}
    if parameter.kind == "weights":
        return _("each weight %(limits)s") % {"limits": limits}
    return limits


def origin(setting: Setting | None, region: Region | None) -> str:
    """Where a value comes from: this region, a region above it, or the national default, and
    the year from which it is in force."""
    if setting is None:
        return _("not set")
    if setting.level == 0:
        return _("national default, from %(year)s") % {"year": setting.year}
    if region is not None and setting.level == region.level:
        return _("this region, from %(year)s") % {"year": setting.year}
    return _("inherited from %(region)s, from %(year)s") % {
        "region": setting.region,
        "year": setting.year,
    }


def _typed(key: str, raw):
    try:
        return coerce(key, raw)
    except ParameterError:
        return None


def _shown_raw(key: str, raw) -> str:
    """A stored value, also one that no longer fits its parameter (shown as stored)."""
    if raw is None:
        return _("not set")
    typed = _typed(key, raw)
    return shown(key, typed) if typed is not None else json.dumps(raw, ensure_ascii=False)


def _shown_pair(key: str, region: Region, before, after) -> tuple[str, str]:
    """Two values side by side, each stored or inherited (a ``Setting``: it says where from);
    of weights, only the ones that differ."""
    raw = [side.value if isinstance(side, Setting) else side for side in (before, after)]
    old, new = (_typed(key, value) for value in raw)
    if PARAMETERS[key].kind == "weights" and old is not None and new is not None:
        old, new = flat_weights(old), flat_weights(new)
        changed = [name for name in old if old[name] != new[name]] or list(old)
        shown_pair = [_shown_weights(key, old, changed), _shown_weights(key, new, changed)]
    else:
        shown_pair = [_shown_raw(key, value) for value in raw]
    for index, side in enumerate((before, after)):
        if isinstance(side, Setting):
            shown_pair[index] += f" ({origin(side, region)})"
    return shown_pair[0], shown_pair[1]


def parameter_row(policy: Policy, key: str) -> ParameterRow:
    parameter = PARAMETERS[key]
    setting = policy.setting(key)
    own = (
        setting is not None
        and policy.region is not None
        and setting.rank == (policy.region.level, policy.year)
    )
    return ParameterRow(
        key=key,
        parameter=parameter,
        setting=setting,
        inherited=policy.inherited(key),
        own=own,
        value=None if setting is None else _typed(key, setting.value),
        shown=NOT_SET if setting is None else _shown_raw(key, setting.value),
        origin=origin(setting, policy.region),
        allowed=allowed(parameter),
    )


def policy_groups(region: Region, year: int) -> list[tuple[str, list[ParameterRow]]]:
    """Every parameter in force for ``region`` and ``year``, grouped by the app that reads it
    (in the order of the apps, then of their declarations)."""
    policy = Policy(region, year)
    groups: dict[str, list[ParameterRow]] = {}
    for key in PARAMETERS:
        topic = str(TOPICS.get(key, _("Other")))
        groups.setdefault(topic, []).append(parameter_row(policy, key))
    return list(groups.items())


CHANGES = {
    LogEntry.Action.CREATE: gettext_lazy("set"),
    LogEntry.Action.UPDATE: gettext_lazy("changed"),
    LogEntry.Action.DELETE: gettext_lazy("reverted"),
}


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    who: str
    year: int
    what: str  # set, changed or reverted
    old: str
    new: str
    source: str


def _stored(changes: dict, side: int):
    """One side (0 old, 1 new) of the value's change as auditlog keeps it (JSON text), or None."""
    if "value" not in changes or changes["value"][side] in (None, "None"):
        return None
    try:
        return json.loads(changes["value"][side])
    except (TypeError, ValueError):
        return changes["value"][side]


def parameter_history(region: Region, key: str) -> list[Change]:
    """Every change of the region's own values of ``key`` (all years), newest first: who, when,
    the value in force before and after. From django-auditlog's entries on PolicyValue."""
    entries = (
        LogEntry.objects.get_for_model(PolicyValue)
        .filter(additional_data__key=key, additional_data__region=region.pk)
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )
    history = []
    for entry in entries:
        changes = entry.changes_dict
        data = entry.additional_data or {}
        inherited = Setting(**data["inherited"]) if data.get("inherited") else None
        before, after = _stored(changes, 0), _stored(changes, 1)
        # A creation replaced what the region inherited; a deletion brought it back.
        if entry.action == LogEntry.Action.CREATE:
            before = inherited
        elif entry.action == LogEntry.Action.DELETE:
            after = inherited
        if "value" in changes:
            old, new = _shown_pair(key, region, before, after)
        else:
            old = new = _("(value unchanged)")
        history.append(
            Change(
                when=entry.timestamp,
                who=str(entry.actor) if entry.actor else (entry.actor_email or _("system")),
                year=data.get("year"),
                what=str(CHANGES[entry.action]),
                old=old,
                new=new,
                source=data.get("source") or "",
            )
        )
    return history
