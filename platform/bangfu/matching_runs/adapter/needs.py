"""The engine's needs: open needs of a region, with the facts of the household each serves."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

import numpy as np
from django.utils import timezone

from bangfu.matching_runs.adapter.availability import Languages, need_times
from bangfu.matching_runs.adapter.common import (
    GENDER_CODES,
    Categories,
    LeftOut,
    choice_problem,
    coordinates_problem,
    not_negative_problem,
    provider_keys,
    region_code_problem,
)
from bangfu.referrals import selectors as referral_selectors
from bangfu.referrals.exclusions import Exclusion, exclusions_for
from bangfu.regions.models import Region, within
from bangfu.registry.models import (
    Member,
    Need,
    ServiceCategory,
    Tier,
    age_on,
    is_severe_disability,
)
from matching.types import ANY, TIERS, URGENCIES, Needs

NEED_COLUMNS = (
    "id",
    "household",
    "category",
    "lat",
    "lon",
    "priority",
    "severity",
    "urgency",
    "waiting_days",
    "tier",
    "protected",
    "age",
    "sex",
    "disability_grade",
    "region",
    "languages",
    "times",
    "current_provider",
)


def _household_facts(household_ids, today: dt.date) -> dict[int, dict]:
    """Per household: protected (top tier), and the facts of the person served (the head)."""
    facts: dict[int, dict] = {}
    members = Member.objects.filter(household_id__in=household_ids).values_list(
        "household_id",
        "relation",
        "birth_date",
        "sex",
        "disability",
        "disability_grade",
        "is_orphan",
        "is_unsupported_child",
    )
    for household, relation, born, sex, disability, grade, orphan, unsupported in members:
        entry = facts.setdefault(household, {"protected": False, "grade": 0})
        severe = is_severe_disability(disability, grade)
        entry["protected"] |= bool(orphan or unsupported or severe)
        if grade:
            entry["grade"] = grade if not entry["grade"] else min(entry["grade"], grade)
        if relation == Member.Relation.HEAD or "age" not in entry:
            entry.update(age=age_on(born, today), sex=GENDER_CODES.get(sex, ANY))
    return facts


def _left_out(row: dict) -> LeftOut | None:
    """The row as the engine would refuse it, and what to open to fix it; None when fine."""
    own = row["lat"] is not None or row["lon"] is not None
    place = ("household", row["household"]) if own else ("region", row["village"])
    checks = (
        (coordinates_problem(row["lat"], row["lon"]), place),
        (region_code_problem(row["code"]), ("region", row["village"])),
        (choice_problem("tier", row["tier"], TIERS), ("household", row["household"])),
        (choice_problem("urgency", row["urgency"], URGENCIES), ("need", row["pk"])),
        (not_negative_problem("priority", row["priority"]), ("need", row["pk"])),
    )
    for problem, (fix, fix_pk) in checks:
        if problem is not None:
            reason, values = problem
            return LeftOut("need", row["pk"], row["number"], reason, fix, fix_pk, values)
    return None


class LoadedNeeds(NamedTuple):
    """A region's needs as the engine's arrays, the rows it would refuse, and the providers kept
    from needs by a named rule (declined, or closed as failed within the policy window)."""

    needs: Needs
    left_out: list[LeftOut]
    exclusions: list[Exclusion]


def load_needs(
    region: Region,
    categories: Categories,
    *,
    need_ids=None,
    exclude=frozenset(),
    today=None,
    open_only=True,
    languages: Languages | None = None,
) -> LoadedNeeds:
    """Needs of the region, open ones unless told otherwise, those left out because the engine
    would refuse them, and the named exclusions; ``exclude`` adds providers (``Provider`` pks) no
    need may go to."""
    today = today or timezone.localdate()
    languages = languages or Languages()
    queryset = (Need.objects.open() if open_only else Need.objects.all()).filter(
        within(region, "household__region"),
        category__kind=ServiceCategory.Kind.SERVICE,
    )
    if need_ids is not None:
        queryset = queryset.filter(pk__in=need_ids)
    fields = {
        "pk": "pk",
        "household": "household_id",
        "category": "category_id",
        "lat": "household__latitude",
        "lon": "household__longitude",
        "v_lat": "household__region__latitude",
        "v_lon": "household__region__longitude",
        "priority": "priority",
        "severity": "severity",
        "urgency": "urgency",
        "opened": "opened_on",
        "tier": "household__tier",
        "code": "household__region__code",
        "village": "household__region_id",
        "number": "household__registry_number",
        "languages": "household__languages",
        "preferred_times": "preferred_times",
    }
    rows, left_out = [], []
    for values in queryset.order_by("pk").values_list(*fields.values()):
        row = dict(zip(fields, values, strict=True))
        if row["lat"] is None and row["lon"] is None:
            row["lat"], row["lon"] = row["v_lat"], row["v_lon"]
        refused = _left_out(row)
        if refused is None:
            rows.append(row)
        else:
            left_out.append(refused)
    household_ids = sorted({row["household"] for row in rows})
    facts = _household_facts(household_ids, today)
    # The named exclusions the desk applies too: declined (for good), and closed as unreachable
    # or failed within the policy window (``bangfu.referrals.exclusions``).
    need_pks = [row["pk"] for row in rows]
    exclusions = exclusions_for(need_pks, today=today)
    declined = set(exclusions)
    current = referral_selectors.current_providers(household_ids)
    keys = provider_keys(
        {pk for _need, pk in declined}
        | {pk for serving in current.values() for pk in serving}
        | set(exclude)
    )
    declined_by_need = defaultdict(set)
    for need_id, pk in declined:
        declined_by_need[need_id].add(keys[pk])
    excluded = {keys[pk] for pk in exclude if pk in keys}

    columns = {name: [] for name in NEED_COLUMNS}
    declined_ptr, declined_keys = [0], []
    for row in rows:
        household, tier = row["household"], row["tier"]
        household_facts = facts.get(household, {})
        columns["id"].append(row["pk"])
        columns["household"].append(household)
        columns["category"].append(categories.column[row["category"]])
        columns["lat"].append(float(row["lat"]))
        columns["lon"].append(float(row["lon"]))
        columns["priority"].append(float(row["priority"]))
        columns["severity"].append(row["severity"])
        columns["urgency"].append(URGENCIES.index(row["urgency"]))
        columns["waiting_days"].append(max((today - row["opened"]).days, 0))
        columns["tier"].append(TIERS.index(tier))
        columns["protected"].append(tier == Tier.TEKUN or household_facts.get("protected", False))
        columns["age"].append(household_facts.get("age", -1))
        columns["sex"].append(household_facts.get("sex", ANY))
        columns["disability_grade"].append(household_facts.get("grade", 0))
        columns["region"].append(int(row["code"]))
        columns["languages"].append(languages.mask(row["languages"]))
        columns["times"].append(need_times(row["preferred_times"]))
        serving = sorted(keys[pk] for pk in current.get(household, ()))
        columns["current_provider"].append(serving[0] if serving else -1)
        declined_keys.extend(sorted(declined_by_need.get(row["pk"], set()) | excluded))
        declined_ptr.append(len(declined_keys))
    needs = Needs(
        **{name: np.asarray(values) for name, values in columns.items()},
        declined_ptr=np.asarray(declined_ptr),
        declined=np.asarray(declined_keys, dtype=np.int64),
    )
    return LoadedNeeds(needs, left_out, [exclusions[key] for key in sorted(exclusions)])
