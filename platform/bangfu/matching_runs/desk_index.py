"""The intake desk's warm index: per county, the providers' arrays and a fitted
``CandidateIndex``, kept in the web process between rankings.

A cold ranking loads the whole county (every station, volunteer, project and offer, with their
categories, areas and loads) for one need; a warm one reads only the need and the few providers
the index finds for it.

**What is kept, and when it is thrown away.** Each county's entry (``DeskIndex``) holds the
provider table as the adapter builds it (same rows, same order, so ties break as in a cold load),
the names, the service categories as columns and the language bits. It is stamped with versions
kept in Django's cache (shared by every web process and worker under Redis), which never
expire: one counter per region path (``"53/5304/530428/"``), and one for the whole site. An
entry is stamped with its county's counter and the site's: the county's providers all lie
within it. A change to a provider, station, volunteer, project (its lines and area) or
organisation bumps the counters of the region's path and of every region above it (so its
county's, and no other county's), and, when it moves the row elsewhere, those of the region it
left; a change to a region, a charity offer, its charity or its allocations, a service category
or a catalogue item bumps the site's (offers span counties). The
receivers are connected in ``MatchingRunsConfig.ready``; a bump happens at once (the same process
sees its own change, inside its transaction) and again when the transaction commits (a process
that rebuilt in between read the old rows). An entry whose stamp differs from the cache's, or
built for another day (projects and offers run by dates), is rebuilt on the next ranking. The
entries live in a small LRU per process.

**Capacity is read live, not kept.** Places left change with every referral, which nobody saves
on the provider: re-fitting or ``update_provider`` per referral would mean a signal per referral
and one process's index diverging from another's. Instead the index is fitted with each
provider's *total* places (the most it could have), so it finds every provider that could
possibly take the need; then, per ranking, the few it found are read from the database (one
query: open referrals, finished and completed ones, the rating, whether it takes referrals; a
second for the households counted against a project's quota, when a project is among them) and
ranked with exactly the values a cold load would have given them. A provider found full now is
dropped, as the cold path never finds it. The charity offers' households left come from the
offers' allocations, whose changes bump the stamp.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from bangfu.accounts.models import Organisation, User
from bangfu.matching_runs.adapter import kind_and_pk
from bangfu.matching_runs.adapter.availability import Languages
from bangfu.matching_runs.adapter.common import Categories
from bangfu.matching_runs.adapter.needs import LoadedNeeds, load_needs
from bangfu.matching_runs.adapter.providers import load_providers
from bangfu.offers.models import Allocation as OfferAllocation
from bangfu.offers.models import Charity, Offer
from bangfu.procurement.models import CatalogueItem, Project, ProjectLine
from bangfu.providers.kinds import quota_households
from bangfu.providers.models import Provider, Station, Volunteer
from bangfu.referrals.loads import provider_loads
from bangfu.regions.models import Region, path_and_above
from bangfu.registry.models import Need, ServiceCategory
from matching.index import CandidateIndex
from matching.ranking import Ranking, rank_one
from matching.success import SuccessModel
from matching.types import Needs, Providers

# The reach of stations and projects, as a run loads them (``adapter.load_instance``).
REACH_KM = 60.0
# Counties kept warm in one process: a county's index takes a few megabytes at most.
LRU_SIZE = 32
SITE_KEY = "desk-index:site"
_KEY = "desk-index:path:{path}"


def version_keys(path: str) -> list[str]:
    """The cache keys whose counters stamp a county's entry: its path's and the site's. A
    change below the county bumps its path's counter (``bump``); one in another county, even
    of the same city or province, leaves the entry warm."""
    return [_KEY.format(path=path), SITE_KEY]


def _fresh_start() -> int:
    # A counter that vanished from the cache (evicted, flushed) comes back at a number no
    # process stamped an entry with.
    return random.getrandbits(62)


def versions(keys: list[str]) -> tuple:
    """The counters of ``keys``, each created when missing: never ``None``, so an evicted
    counter cannot match a stamp by chance."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _fresh_start(), timeout=None)
        found |= cache.get_many(missing)
    return tuple(found.get(key) for key in keys)


def _bump_now(keys: list[str]) -> None:
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # not in the cache (never read, or evicted)
            cache.add(key, _fresh_start(), timeout=None)


def bump(path: str | None) -> None:
    """Invalidate the entry of the county holding ``path`` (None: every entry), now and again
    when the current transaction commits: the counters of ``path`` and of every path above."""
    keys = [SITE_KEY] if path is None else [_KEY.format(path=p) for p in path_and_above(path)]
    _bump_now(keys)
    transaction.on_commit(lambda: _bump_now(keys))


@dataclass
class DeskIndex:
    """One county's warm providers: the table as the adapter builds it, fitted with total
    places (see the module's docstring), and what turns a need into the same arrays."""

    county_pk: int
    stamp: tuple
    today: dt.date
    index: CandidateIndex
    names: dict[int, str]
    categories: Categories
    languages: Languages
    kinds: np.ndarray  # kind name of each row
    pks: np.ndarray  # ``Provider`` pk of each row (the offer's own pk for an offer)

    @classmethod
    def build(cls, county: Region, *, stamp: tuple, today: dt.date) -> DeskIndex:
        categories, languages = Categories(), Languages()
        table = load_providers(
            county, categories, reach_km=REACH_KM, today=today, languages=languages
        )
        providers = table.build()
        keyed = [kind_and_pk(int(key)) for key in providers.id]
        fitted = replace(providers, capacity=providers.capacity_total.copy())
        return cls(
            county_pk=county.pk,
            stamp=stamp,
            today=today,
            index=CandidateIndex().fit(fitted),
            names=table.names,
            categories=categories,
            languages=languages,
            kinds=np.asarray([kind for kind, _pk in keyed], dtype=object),
            pks=np.asarray([pk for _kind, pk in keyed], dtype=np.int64),
        )

    def load_need(self, county: Region, need: Need, *, exclude=frozenset()) -> LoadedNeeds:
        """The need as the engine's arrays, with this county's categories and language bits."""
        languages = Languages()
        languages.bits = dict(self.languages.bits)  # the need's new words stay its own
        return load_needs(
            county,
            self.categories,
            need_ids=[need.pk],
            exclude=exclude,
            today=self.today,
            languages=languages,
        )

    def live_providers(self, rows: np.ndarray) -> Providers:
        """The providers with the rows ``rows`` read live (places left, outcomes, rating)."""
        providers = self.index.providers_
        capacity = providers.capacity.copy()
        quality = providers.quality.copy()
        referred = providers.past_referrals.copy()
        completed = providers.past_completed.copy()
        routed = [int(j) for j in rows if self.kinds[j] != "offer"]
        loads = provider_loads(int(self.pks[j]) for j in routed)
        projects = [int(self.pks[j]) for j in routed if self.kinds[j] == "project"]
        quota = quota_households(projects, pending=True) if projects else {}
        for j in routed:
            pk = int(self.pks[j])
            load = loads.get(pk)
            if load is None or not load.open_to_referrals:
                capacity[j] = 0
                continue
            used = len(quota.get(pk, ())) if self.kinds[j] == "project" else load.open_cases
            capacity[j] = max(int(providers.capacity_total[j]) - used, 0)
            quality[j] = float(load.rating) / 5 if load.rating is not None else np.nan
            referred[j], completed[j] = load.finished, load.completed
        return replace(
            providers,
            capacity=capacity,
            quality=quality,
            past_referrals=referred,
            past_completed=completed,
        )

    def rank(
        self, needs: Needs, *, k: int, success_model: SuccessModel | None
    ) -> tuple[Ranking, SimpleNamespace]:
        """The top ``k`` of each need, and the arrays they were ranked on (``needs`` and
        ``providers``, as an adapter instance has them)."""
        candidates = self.index.candidates_for(needs)
        providers = self.live_providers(np.unique(candidates.provider))
        candidates = candidates.take(np.flatnonzero(providers.capacity[candidates.provider] > 0))
        ranking = rank_one(needs, providers, candidates, k=k, success_model=success_model)
        return ranking, SimpleNamespace(needs=needs, providers=providers)


_entries: OrderedDict[int, DeskIndex] = OrderedDict()
_lock = threading.Lock()


def warm_index(county: Region, *, today: dt.date | None = None) -> DeskIndex:
    """The county's entry, rebuilt when its stamp or its day is out of date."""
    today = today or timezone.localdate()
    # Read before the rows are: a change committed while building leaves a stamp behind.
    stamp = versions(version_keys(county.path))
    with _lock:
        entry = _entries.get(county.pk)
        if entry is not None and entry.stamp == stamp and entry.today == today:
            _entries.move_to_end(county.pk)
            return entry
    entry = DeskIndex.build(county, stamp=stamp, today=today)
    with _lock:
        _entries[county.pk] = entry
        _entries.move_to_end(county.pk)
        while len(_entries) > LRU_SIZE:
            _entries.popitem(last=False)
    return entry


def forget() -> None:
    """Drop every entry of this process (the next ranking of each county is cold)."""
    with _lock:
        _entries.clear()


# --- what invalidates an entry ---------------------------------------------------------------


def _path(model, pk, lookup: str = "path") -> str | None:
    if pk is None:
        return None
    return model.objects.filter(pk=pk).values_list(lookup, flat=True).first()


# Where each row that places a provider lies: the field naming its place, and how that reads
# as a region path.
_PLACES = {
    Provider: ("region_id", Region, "path"),
    Project: ("region_id", Region, "path"),
    Organisation: ("region_id", Region, "path"),
    Volunteer: ("home_region_id", Region, "path"),
    Station: ("organisation_id", Organisation, "region__path"),
    ProjectLine: ("project_id", Project, "region__path"),
}


def _place(instance) -> tuple | None:
    return next((place for model, place in _PLACES.items() if isinstance(instance, model)), None)


def _changed_path(instance) -> str | None:
    """The region path a changed row belongs to; None for rows that span regions (offers) or
    whose region is gone: then every entry is invalidated."""
    place = _place(instance)
    if place is None:
        return None
    field, model, lookup = place
    return _path(model, getattr(instance, field), lookup)


def _on_save_or_delete(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    bump(_changed_path(instance))


def _before_save(sender, instance, **kwargs) -> None:
    """A row moved to another place (a volunteer's new home, a station's new organisation)
    leaves its old county's entry stale: bump the place it leaves."""
    place = _place(instance)
    if kwargs.get("raw") or place is None or instance.pk is None:
        return
    field, model, lookup = place
    stored = type(instance)._default_manager.filter(pk=instance.pk).values_list(field, flat=True)
    left = stored.first()
    if left is not None and left != getattr(instance, field):
        bump(_path(model, left, lookup))


def _on_m2m(sender, instance, action, reverse, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump(None if reverse else _changed_path(instance))


def _on_user_save(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A volunteer's account switched on again: the entry, built without it, takes it back.
    (Switched off, it is dropped by the live read.) Logins, which save only ``last_login``,
    and new accounts, which no volunteer has yet, cost nothing."""
    if kwargs.get("raw") or created:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    path = (
        Volunteer.objects.filter(user_id=instance.pk)
        .values_list("home_region__path", flat=True)
        .first()
    )
    if path is not None:
        bump(path)


def connect_receivers() -> None:
    """Invalidate a county's entry when what its providers are made of changes (called from
    ``MatchingRunsConfig.ready``)."""
    models = (
        Provider,
        Station,
        Volunteer,
        Project,
        ProjectLine,
        Organisation,
        Offer,
        OfferAllocation,
        Charity,
        Region,
        ServiceCategory,
        CatalogueItem,
    )
    for model in models:
        uid = f"desk-index:{model._meta.label}"
        post_save.connect(_on_save_or_delete, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_on_save_or_delete, sender=model, dispatch_uid=f"{uid}:delete")
        if model in _PLACES:
            pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}:move")
    post_save.connect(_on_user_save, sender=User, dispatch_uid="desk-index:user:save")
    for field in (
        Station.categories,
        Station.service_area,
        Volunteer.categories,
        Project.service_area,
        Offer.regions,
        Offer.need_categories,
    ):
        through = field.through
        m2m_changed.connect(
            _on_m2m, sender=through, dispatch_uid=f"desk-index:{through._meta.label}"
        )
