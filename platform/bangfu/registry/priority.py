"""The priority of a need: who is served first. Every point is explained by a named component.

Weights are the ``priority_weights`` policy parameter of the household's region and year, with
exactly the names of ``PRIORITY_WEIGHTS`` (the parameter declares them, ``registry.policy``): a
weight read here and not named there fails at once rather than counting as 0.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bangfu.registry.models import Household, Member, Need, Tier

# What makes a household more vulnerable (``_vulnerabilities`` finds them), each worth a weight.
VULNERABILITIES = (
    "orphan_or_unsupported_child",
    "severe_disability",
    "other_disability",
    "serious_illness",
    "chronic_illness",
    "aged_80_plus",
    "aged_60_plus",
    "child_under_16",
    "living_alone",
    "five_elders",
)
# Every weight ``need_priority`` reads: the names the policy parameter must give.
PRIORITY_WEIGHTS = (
    *(f"tier.{tier}" for tier in Tier.values),
    *VULNERABILITIES,
    "per_severity_point",
    *(f"urgency.{urgency}" for urgency in Need.Urgency.values),
    "per_waiting_week",
    "waiting_cap",
)


@dataclass(frozen=True)
class Priority:
    total: Decimal
    components: dict[str, Decimal]


def _vulnerabilities(members: list[Member], today: dt.date) -> set[str]:
    found = set()
    if len(members) == 1:
        found.add("living_alone")
    for member in members:
        age = member.age_on(today)
        if member.is_orphan or member.is_unsupported_child:
            found.add("orphan_or_unsupported_child")
        if member.is_severely_disabled:
            found.add("severe_disability")
        elif member.disability != Member.Disability.NONE:
            found.add("other_disability")
        if member.illness == Member.Illness.SERIOUS:
            found.add("serious_illness")
        elif member.illness == Member.Illness.CHRONIC:
            found.add("chronic_illness")
        if age >= 80:
            found.add("aged_80_plus")
        elif age >= 60:
            found.add("aged_60_plus")
        elif age < 16:
            found.add("child_under_16")
        if member.is_five_elders:
            found.add("five_elders")
    return found


def need_priority(
    *, need: Need, household: Household, members: list[Member], weights: dict, today: dt.date
) -> Priority:
    def weight(name: str, sub: str | None = None) -> Decimal:
        value = weights[name] if sub is None else weights[name][sub]
        return Decimal(str(value))

    components = {"tier": weight("tier", household.tier)}
    for name in sorted(_vulnerabilities(members, today)):
        components[name] = weight(name)
    components["severity"] = weight("per_severity_point") * need.severity
    components["urgency"] = weight("urgency", need.urgency)
    weeks = Decimal(max((today - need.opened_on).days, 0)) / 7
    waiting = min(weeks * weight("per_waiting_week"), weight("waiting_cap"))
    components["waiting"] = waiting.quantize(Decimal("0.01"))
    components = {name: points for name, points in components.items() if points}
    return Priority(total=sum(components.values(), Decimal("0")), components=components)
