"""A cached candidate index: rank one new need in well under a millisecond.

The batch path (:func:`matching.candidates.generate_candidates`) rebuilds everything per run.
A :class:`CandidateIndex` is meant to live between runs: KD-trees of the providers per
category and per radius band (a volunteer's 5 km and a county-wide project's 100 km do not
share a search radius), queried with the band's largest radius and then filtered on each
provider's own radius and on the hard constraints.

A provider that moves, changes its radius or its services is re-indexed alone: its entries in
the trees are marked stale and it joins a small overlay searched by brute force; a category's
trees are rebuilt lazily when its overlay grows past a share of the tree. Changes of capacity,
quality or eligibility need no re-indexing at all: they are read from the arrays at query time.

Only the tests and the benchmark (``bench/matching.py``) use it so far: the platform ranks a
need with the batch path, on the arrays its adapter loads for the need's county.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.spatial import cKDTree

from matching.candidates import Candidates, ProviderRules, _empty, _km, _millimetres, _Rules
from matching.ranking import Ranking, rank_one
from matching.scoring import ScoreWeights
from matching.success import SuccessModel
from matching.types import (
    Needs,
    Providers,
    _column,
    check_provider_rows,
    chord_of_km,
    unit_vectors,
)

# Upper edges (km) of the radius bands that share a tree.
RADIUS_BANDS_KM = (4.0, 8.0, 16.0, 32.0, 64.0, np.inf)
_GEOMETRY = {"lat", "lon", "radius_km", "skill"}


class _Tree:
    __slots__ = ("members", "reach", "tree", "versions")

    def __init__(self, members, xyz, chord, versions, leaf_size):
        self.members = members
        self.versions = versions[members].copy()
        self.reach = float(chord[members].max())
        self.tree = cKDTree(xyz[members], leafsize=leaf_size)


class CandidateIndex:
    """Per-category KD-trees of providers, updatable one provider at a time.

    Parameters
    ----------
    leaf_size : int
    rebuild_share : float
        Rebuild a category's trees when its overlay holds more than this share of its
        providers (and at least ``min_rebuild``).
    min_rebuild : int

    Attributes
    ----------
    providers_ : Providers
        The current providers, with every update applied (a copy of those fitted).
    rebuilds_ : int
        Lazy category rebuilds since :meth:`fit`.
    """

    def __init__(self, *, leaf_size=16, rebuild_share=0.05, min_rebuild=32):
        self.leaf_size = leaf_size
        self.rebuild_share = rebuild_share
        self.min_rebuild = min_rebuild

    def fit(self, providers: Providers) -> CandidateIndex:
        """Index ``providers`` (copied: the index owns its arrays and updates them in place)."""
        self.providers_ = replace(providers, **_copies(providers))
        self._geometry_changed()
        self._version = np.zeros(len(self.providers_), dtype=np.int64)
        self._rules = ProviderRules(self.providers_)
        n_cat = self.providers_.n_categories
        self._trees = [None] * n_cat
        self._overlay = [{} for _ in range(n_cat)]
        self.rebuilds_ = 0
        for c in range(n_cat):
            self._build(c)
        self.rebuilds_ = 0
        return self

    def _geometry_changed(self):
        self._xyz = unit_vectors(self.providers_.lat, self.providers_.lon)
        self._chord = chord_of_km(self.providers_.radius_km)

    def _build(self, c):
        offering = np.flatnonzero(self.providers_.skill[:, c] > 0)
        trees = []
        band = np.searchsorted(RADIUS_BANDS_KM, self.providers_.radius_km[offering])
        for b in np.unique(band):
            members = offering[band == b]
            trees.append(_Tree(members, self._xyz, self._chord, self._version, self.leaf_size))
        self._trees[c] = trees
        self._overlay[c] = {}
        self.rebuilds_ += 1

    def update_provider(self, position: int, **columns) -> None:
        """Change one provider's columns (e.g. ``capacity=0``, ``lat=…, lon=…``, ``skill=row``).

        Geometry or services changed: the provider is re-indexed alone, through the overlay.
        """
        providers = self.providers_
        unknown = set(columns) - set(Providers._COLUMNS) - {"skill"}
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        # The updated row is checked as the constructor checks a table, before anything is
        # stored: a refused update leaves the index as it was.
        row = {
            name: getattr(providers, name)[position : position + 1] for name in Providers._COLUMNS
        }
        for name, value in columns.items():
            if name != "skill":
                dtype, default = Providers._COLUMNS[name]
                row[name] = _column(
                    np.reshape(value, 1), dtype, 1, name, default, "providers", position
                )
        skill = np.asarray(columns.get("skill", providers.skill[position]), dtype=np.float32)
        if skill.shape != (providers.n_categories,):
            raise ValueError(
                f"skill must have shape ({providers.n_categories},), got {skill.shape}"
            )
        row["skill"] = skill.reshape(1, -1)
        check_provider_rows(row, first=position)
        if "id" in columns and np.any(np.delete(providers.id, position) == row["id"][0]):
            raise ValueError(
                f"providers.id[{position}] = {int(row['id'][0])}: provider ids must be unique"
            )
        before = providers.skill[position] > 0
        for name in columns:
            getattr(providers, name)[position] = row[name][0]
        if "id" in columns:
            self._rules.refresh()
        else:
            self._rules.refresh([position])
        if _GEOMETRY & set(columns):
            self._reindex(position, before)

    def _reindex(self, j, offered_before):
        self._xyz[j] = unit_vectors(self.providers_.lat[j : j + 1], self.providers_.lon[j : j + 1])
        self._chord[j] = chord_of_km(self.providers_.radius_km[j])
        self._version[j] += 1
        for c in np.flatnonzero(self.providers_.skill[j] > 0):
            self._overlay[c][j] = self._version[j]
        for c in np.flatnonzero(offered_before & ~(self.providers_.skill[j] > 0)):
            self._overlay[c].pop(j, None)

    def add_providers(self, providers: Providers) -> np.ndarray:
        """Append new providers (through the overlay); returns their positions."""
        if providers.n_categories != self.providers_.n_categories:
            raise ValueError("the new providers have another set of categories")
        old = self.providers_
        first = len(old)
        columns = {
            name: np.concatenate([getattr(old, name), getattr(providers, name)])
            for name in Providers._COLUMNS
        }
        shifted = providers.area_ptr[1:] + old.area_ptr[-1]
        self.providers_ = Providers(
            **columns,
            skill=np.concatenate([old.skill, providers.skill]),
            area_ptr=np.concatenate([old.area_ptr, shifted]),
            area_code=np.concatenate([old.area_code, providers.area_code]),
            area_digits=np.concatenate([old.area_digits, providers.area_digits]),
        )
        self._version = np.concatenate([self._version, np.zeros(len(providers), np.int64)])
        self._geometry_changed()
        self._rules = ProviderRules(self.providers_)
        positions = np.arange(first, len(self.providers_))
        for j in positions:
            for c in np.flatnonzero(self.providers_.skill[j] > 0):
                self._overlay[c][j] = self._version[j]
        return positions

    def candidates_for(self, needs: Needs) -> Candidates:
        """Candidates of a few needs (each queried alone): the pairs the batch path finds.

        Returns
        -------
        Candidates
            In CSR order by need, providers ascending.
        """
        providers = self.providers_
        if len(needs) == 0:
            return _empty(0)
        if needs.category.max() >= providers.n_categories:
            raise ValueError("a need's category is not a column of providers.skill")
        xyz = unit_vectors(needs.lat, needs.lon)
        need_parts, provider_parts, chord_parts = [], [], []
        for i in range(len(needs)):
            found, chords = self._query(int(needs.category[i]), xyz[i])
            need_parts.append(np.full(found.shape[0], i, dtype=np.int64))
            provider_parts.append(found)
            chord_parts.append(chords)
        need = np.concatenate(need_parts)
        provider = np.concatenate(provider_parts)
        chord = np.concatenate(chord_parts)
        ok = _Rules(needs, providers, self._rules).check(need, provider)
        need, provider, chord = need[ok], provider[ok], chord[ok]
        order = np.lexsort((provider, need))
        need, provider, chord = need[order], provider[order], chord[order]
        ptr = np.zeros(len(needs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(need, minlength=len(needs)), out=ptr[1:])
        return Candidates(ptr, provider.astype(np.int32), _km(_millimetres(chord)))

    def _query(self, c, point):
        overlay = self._overlay[c]
        members = sum(t.members.shape[0] for t in self._trees[c])
        if len(overlay) > max(self.min_rebuild, self.rebuild_share * members):
            self._build(c)
            overlay = self._overlay[c]
        # Typed empty parts first: a category nobody offers has no tree and no overlay.
        found, chords = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float64)]
        for tree in self._trees[c]:
            hit = np.asarray(tree.tree.query_ball_point(point, tree.reach), dtype=np.int64)
            current = tree.versions[hit] == self._version[tree.members[hit]]
            hit = tree.members[hit[current]]
            diff = self._xyz[hit] - point
            chord = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            near = chord <= self._chord[hit]
            found.append(hit[near])
            chords.append(chord[near])
        if overlay:
            extra = np.fromiter(overlay.keys(), dtype=np.int64, count=len(overlay))
            fresh = np.fromiter(overlay.values(), dtype=np.int64, count=len(overlay))
            extra = extra[fresh == self._version[extra]]
            diff = self._xyz[extra] - point
            chord = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            near = (chord <= self._chord[extra]) & (self.providers_.skill[extra, c] > 0)
            found.append(extra[near])
            chords.append(chord[near])
        return np.concatenate(found), np.concatenate(chords)

    def rank(
        self,
        needs: Needs,
        *,
        k: int = 10,
        weights: ScoreWeights | None = None,
        success_model: SuccessModel | None = None,
    ) -> Ranking:
        """Top ``k`` providers of a few new needs (typically one), scored as in the batch."""
        candidates = self.candidates_for(needs)
        return rank_one(
            needs,
            self.providers_,
            candidates,
            k=k,
            weights=weights,
            success_model=success_model,
        )


def _copies(providers: Providers) -> dict:
    names = [*Providers._COLUMNS, "skill", "area_ptr", "area_code", "area_digits"]
    return {name: getattr(providers, name).copy() for name in names}
