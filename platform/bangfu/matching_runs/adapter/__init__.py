"""Loads the engine's arrays from the database with a handful of queries (never one per row).

Needs come from the registry (``needs``); providers are the stations, volunteers, procured
projects under way and approved charity offers of the same county (``providers``). Remaining
capacity, past declines and the household's current provider come from the referrals app, so
they are always derived from referrals and never a stored counter; a project's quota and budget
from its deliveries.

Data can arrive bad however well the forms check it: rows older than the checks, a change made
in the database directly, an import from another system. A row the engine would refuse
(coordinates out of range, an unknown tier, a negative reach …) is left out of the arrays and
listed in ``Instance.left_out`` with its reason and the object to fix, so one bad row never
fails a whole run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from bangfu.matching_runs.adapter.availability import Languages
from bangfu.matching_runs.adapter.common import (
    REASONS,
    Categories,
    LeftOut,
    key_of,
    kind_and_pk,
)
from bangfu.matching_runs.adapter.needs import load_needs
from bangfu.matching_runs.adapter.providers import load_providers
from bangfu.referrals.exclusions import Exclusion
from bangfu.regions.models import Region
from matching.types import Needs, Providers

__all__ = [
    "REASONS",
    "Instance",
    "LeftOut",
    "key_of",
    "kind_and_pk",
    "load_instance",
]


@dataclass(frozen=True)
class Instance:
    """The arrays of one region, and what is needed to turn results back into rows."""

    region: Region
    needs: Needs
    providers: Providers
    provider_names: dict[int, str]
    category_ids: list[int]
    budgets: np.ndarray  # fen left in each budget pool (``Providers.pool`` indexes it)
    left_out: tuple[LeftOut, ...] = ()  # rows the engine would refuse, needs first
    # Providers kept from needs by a named rule (declined; closed as failed within the window).
    exclusions: tuple[Exclusion, ...] = ()


def load_instance(
    region: Region,
    *,
    reach_km: float = 60.0,
    need_ids=None,
    exclude=frozenset(),
    open_only: bool = True,
    today: dt.date | None = None,
) -> Instance:
    """The needs and providers of a region on ``today`` (by default, now); stations and projects
    reach ``reach_km`` at most."""
    categories, languages = Categories(), Languages()
    loaded = load_needs(
        region,
        categories,
        need_ids=need_ids,
        exclude=exclude,
        open_only=open_only,
        today=today,
        languages=languages,
    )
    table = load_providers(region, categories, reach_km=reach_km, today=today, languages=languages)
    return Instance(
        region=region,
        needs=loaded.needs,
        providers=table.build(),
        provider_names=table.names,
        category_ids=categories.ids,
        budgets=np.asarray(table.budgets, dtype=np.int64),
        left_out=(*loaded.left_out, *table.left_out),
        exclusions=tuple(loaded.exclusions),
    )
