"""Candidate pairs: which providers may serve which needs at all.

A pair (need, provider) is a candidate only when every hard constraint holds:

1. **category** – the provider offers the need's service category (``skill > 0``);
2. **radius** – the great-circle distance is within the provider's ``radius_km``;
3. **area** – the need's village lies inside one of the provider's area regions (a station's
   service area, an offer's eligible regions), when the provider lists any;
4. **capacity** – the provider has capacity left (``capacity > 0``);
5. **tier** – the need's tier is among the tiers the provider is for;
6. **age** – the person's age is within the provider's age limits (unknown age fails a limit);
7. **disability** – an offer for disabled people only takes grades 1 to its maximum grade;
8. **gender** – the provider serves the person's sex and, when the need asks for a gender,
   the provider is of that gender (stations, ``gender`` ANY, can send either);
9. **language** – a need that lists languages gets only providers who speak one of them;
10. **times** – a need that states when the household wants to be served gets only providers
    free at one of those times (a provider with no recorded times is free any time);
11. **exclusion** – the provider has not declined this need before.

Geometry never looks at all pairs. Points live on the unit sphere, where a chord is monotone in
great-circle distance, so "within r km" is an exact Euclidean ball query on a KD-tree. The batch
path builds one tree per category over that category's needs and queries it from the provider
side with each provider's own radius, then orders the pairs by need (CSR) with one sort of
int64 keys per category. :class:`CandidateIndex` is the cached, provider-side version for one
new need.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sklearn.neighbors import KDTree

from matching.candidates.rules import (
    ProviderRules,
    _csr_slots,
    _Rules,
    admissible,
)
from matching.types import (
    POW10,
    REGION_DIGITS,
    TIERS,
    Needs,
    Providers,
    chord_of_km,
    km_of_chord,
    unit_vectors,
)


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate pairs in CSR order: the pairs of need ``i`` are ``ptr[i]:ptr[i + 1]``.

    Attributes
    ----------
    ptr : ndarray of shape (n_needs + 1,), int64
    provider : ndarray of shape (n_pairs,), int32
        Provider positions, ascending within each need.
    distance_km : ndarray of shape (n_pairs,), float32
    """

    ptr: np.ndarray
    provider: np.ndarray
    distance_km: np.ndarray

    @property
    def n_needs(self) -> int:
        return self.ptr.shape[0] - 1

    def __len__(self) -> int:
        return self.provider.shape[0]

    @cached_property
    def need(self) -> np.ndarray:
        """Need position of every pair, shape (n_pairs,), int32."""
        return np.repeat(np.arange(self.n_needs, dtype=np.int32), np.diff(self.ptr))

    def counts(self) -> np.ndarray:
        """Number of candidates of each need, shape (n_needs,)."""
        return np.diff(self.ptr)

    def take(self, pairs) -> Candidates:
        """A subset of the pairs (a sorted array of pair indices), keeping every need."""
        pairs = np.asarray(pairs, dtype=np.int64)
        ptr = np.zeros(self.n_needs + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.need[pairs], minlength=self.n_needs), out=ptr[1:])
        return Candidates(ptr, self.provider[pairs], self.distance_km[pairs])


def _bits(count: int) -> int:
    return max(int(count - 1).bit_length(), 1)


_MM_PER_KM = 1_000_000
# The CSR arrays are written this many pairs at a time: the index buffers stay in cache.
_ASSEMBLY_CHUNK = 1 << 16


def _millimetres(chord) -> np.ndarray:
    """Great-circle distances of chords, rounded to the millimetre (int64).

    Coordinates are known to about 0.1 m, so nothing is lost, and the batch and the cached
    index store exactly the same distance for a pair.
    """
    millimetres = km_of_chord(chord)
    millimetres *= _MM_PER_KM
    return np.rint(millimetres, out=millimetres).astype(np.int64)


def _km(millimetres) -> np.ndarray:
    return (millimetres / _MM_PER_KM).astype(np.float32)


class _PairKeys:
    """Admissible pairs packed as int64 keys (need, provider, distance in mm), sorted by group.

    Sorting the packed keys orders pairs by need then provider in one pass of numpy's integer
    sort (much faster than an argsort), and the distance comes back out of the key. When the
    three do not fit in 63 bits the key carries an arrival number instead, which finds the
    distance after the sort. Pairs arrive in groups that share no need (one category each):
    each group is sorted on its own when it closes, small enough to stay in cache, and
    :meth:`candidates` writes the groups' pairs straight to their places in the CSR arrays,
    chunk by chunk through buffers it reuses, so no temporary larger than a chunk is ever made
    (fresh memory costs more CPU than the sort).
    """

    def __init__(self, n_needs: int, n_providers: int, max_km: float):
        self.n_needs = n_needs
        self.provider_bits = _bits(n_providers)
        self.low_bits = 63 - _bits(n_needs) - self.provider_bits
        self.packed = int(np.ceil(max_km * _MM_PER_KM)) < 1 << self.low_bits
        if self.low_bits < 20:
            raise ValueError("too many needs and providers for one run; split the region")
        self.keys, self.distances, self.count, self.repeats = [], [], 0, False
        self.groups = []
        # Need i has counts[i] pairs, from position first[i] of its group's sorted keys.
        self.counts = np.zeros(n_needs, dtype=np.int64)
        self.first = np.zeros(n_needs, dtype=np.int64)

    def add(self, need, provider, millimetres, *, repeats=False):
        """Add pairs; ``repeats``: the same pair may come twice in the group (a provider whose
        areas overlap finds a need in each), and closing the group keeps one."""
        n = need.shape[0]
        key = need.astype(np.int64) << (self.provider_bits + self.low_bits)
        key |= provider.astype(np.int64) << self.low_bits
        if self.packed:
            key |= millimetres
        else:
            if self.count + n >= 1 << self.low_bits:
                raise ValueError("too many candidate pairs for one run; split the region")
            key += np.arange(self.count, self.count + n, dtype=np.int64)
            self.distances.append(millimetres)
        self.keys.append(key)
        self.count += n
        self.repeats |= repeats

    def close_group(self, needs=None):
        """Sort the pairs added since the last group, whose needs are among ``needs`` (ascending
        positions; default all): no later pair may be of a need that has pairs here."""
        if not self.keys:
            return
        keys = self.keys[0] if len(self.keys) == 1 else np.concatenate(self.keys)
        self.keys = []
        keys.sort()
        if self.repeats:
            pair = keys >> self.low_bits
            keep = np.ones(keys.shape[0], dtype=bool)
            np.not_equal(pair[1:], pair[:-1], out=keep[1:])
            keys = keys[keep]
            self.repeats = False
        distances = np.concatenate(self.distances) if self.distances else None
        self.distances, self.count = [], 0
        if needs is None:
            needs = np.arange(self.n_needs, dtype=np.int64)
        # Sorted keys: a binary search per need finds its pairs, no pass over the pairs.
        need_key = needs.astype(np.int64) << (self.provider_bits + self.low_bits)
        first = np.searchsorted(keys, need_key)
        counts = np.diff(first, append=keys.shape[0])
        found = np.flatnonzero(counts)
        self.first[needs[found]] = first[found]
        self.counts[needs[found]] = counts[found]
        self.groups.append((keys, distances))

    def candidates(self) -> Candidates:
        self.close_group()
        ptr = np.zeros(self.n_needs + 1, dtype=np.int64)
        np.cumsum(self.counts, out=ptr[1:])
        provider = np.empty(ptr[-1], dtype=np.int32)
        distance = np.empty(ptr[-1], dtype=np.float32)
        # Pair r of a group's sorted keys, of need i, goes to ptr[i] + r - first[i].
        shift = ptr[:-1] - self.first
        size = max(min(_ASSEMBLY_CHUNK, int(ptr[-1])), 1)
        steps = np.arange(size, dtype=np.int64)
        at, scratch = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
        km = np.empty(size, dtype=np.float64)
        groups, self.groups = self.groups, []
        while groups:
            keys, distances = groups.pop()
            for start in range(0, keys.shape[0], size):
                part = keys[start : start + size]
                n = part.shape[0]
                np.right_shift(part, self.provider_bits + self.low_bits, out=scratch[:n])
                np.take(shift, scratch[:n], out=at[:n])
                at[:n] += steps[:n]
                at[:n] += start
                np.right_shift(part, self.low_bits, out=scratch[:n])
                scratch[:n] &= (1 << self.provider_bits) - 1
                provider[at[:n]] = scratch[:n]
                np.bitwise_and(part, (1 << self.low_bits) - 1, out=scratch[:n])
                low = scratch[:n] if distances is None else distances[scratch[:n]]
                # As _km: millimetres / 1e6 in float64, rounded to float32 on assignment.
                np.divide(low, _MM_PER_KM, out=km[:n])
                distance[at[:n]] = km[:n]
        return Candidates(ptr, provider, distance)


def _empty(n_needs) -> Candidates:
    return Candidates(
        np.zeros(n_needs + 1, dtype=np.int64),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.float32),
    )


def _keep_admissible(rules, keys, need, provider, chord, *, areas, known_open=False):
    ok = rules.check(need, provider, areas=areas, known_open=known_open)
    keys.add(need[ok], provider[ok], _millimetres(chord[ok]))


# Work in chunks of about this many pairs: temporaries stay small enough to be reused, and
# under the 4 MB from which numpy asks the kernel for huge pages (slow to fault in fresh).
_CHUNK = 1 << 17
_PROVIDERS_PER_QUERY = 2048


def _tree_pairs(need_xyz, provider_xyz, provider_chord, members, offering, leaf_size):
    """Radius queries of the providers ``offering`` against a KD-tree of the needs ``members``,
    yielded in chunks of providers."""
    tree = KDTree(need_xyz[members], leaf_size=leaf_size)
    members = members.astype(np.int32)
    for start in range(0, offering.shape[0], _PROVIDERS_PER_QUERY):
        part = offering[start : start + _PROVIDERS_PER_QUERY]
        found, chords = tree.query_radius(
            provider_xyz[part], r=provider_chord[part], return_distance=True
        )
        counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        if counts.sum():
            yield (
                members[np.concatenate(found)],
                np.repeat(part.astype(np.int32), counts),
                np.concatenate(chords),
            )


class _AreaRanges:
    """Needs sorted by (category, tier, region code), and the area slots of area-bound providers.

    GB/T 2260 codes nest by prefix, so the needs of one category and tier inside one area
    region are one contiguous range of that order, found by binary search: an offer only for
    特困 and 低保 households never even sees the others. Only the radius is left to check.
    """

    def __init__(self, needs: Needs, providers: Providers, restricted, need_xyz):
        keys = (needs.category.astype(np.int64) * len(TIERS) + needs.tier) * POW10[
            REGION_DIGITS
        ] + needs.region
        self.order = np.argsort(keys, kind="stable").astype(np.int32)
        self.keys = keys[self.order]
        # Coordinates in the same order: a range's needs are read from contiguous memory.
        self.xyz = need_xyz[self.order]
        n_areas = np.diff(providers.area_ptr)[restricted]
        slot_provider = np.repeat(restricted, n_areas)
        slot = _csr_slots(providers.area_ptr, restricted, n_areas)
        tiers = (providers.tiers[slot_provider, None] >> np.arange(len(TIERS))) & 1 == 1
        slot_of, self.tier = np.nonzero(tiers)
        self.provider = slot_provider[slot_of].astype(np.int32)
        self.width = POW10[REGION_DIGITS - providers.area_digits[slot[slot_of]]]
        self.start = providers.area_code[slot[slot_of]] * self.width
        self.skill = providers.skill[self.provider]
        # Prefix codes make two regions nested or apart. A provider with a region inside
        # another of its regions (for the same tier) finds the inner one's needs twice.
        by = np.lexsort((self.start, self.tier, self.provider))
        start, end = self.start[by], self.start[by] + self.width[by]
        same = (self.provider[by][1:] == self.provider[by][:-1]) & (
            self.tier[by][1:] == self.tier[by][:-1]
        )
        self.repeats = bool(np.any(same & (start[1:] < end[:-1])))

    def pairs(self, category, rules, provider_xyz, provider_chord):
        """Admissible pairs within reach of the category's area-bound providers, with their
        chords, yielded in chunks of slots.

        The rules go first: they are cheaper than the geometry and drop a third of the pairs
        (offers for some ages or grades of disability) before any coordinate is read.
        """
        slots = np.flatnonzero(self.skill[:, category] > 0)
        if slots.size == 0:
            return
        base = (category * len(TIERS) + self.tier[slots]) * POW10[REGION_DIGITS]
        base += self.start[slots]
        low = np.searchsorted(self.keys, base, side="left")
        high = np.searchsorted(self.keys, base + self.width[slots], side="left")
        counts = high - low
        bounds = np.searchsorted(np.cumsum(counts), np.arange(_CHUNK, counts.sum(), _CHUNK))
        for part in np.split(np.arange(slots.shape[0]), np.unique(bounds + 1)):
            total = int(counts[part].sum())
            if total == 0:
                continue
            at = np.repeat(low[part] - (np.cumsum(counts[part]) - counts[part]), counts[part])
            at += np.arange(total)
            need = self.order[at]
            provider = np.repeat(self.provider[slots[part]], counts[part])
            # Open providers only, their pairs found through the need's tier.
            ok = rules.check(need, provider, areas=False, known_open=True, known_tier=True)
            ok = np.flatnonzero(ok)
            at, need, provider = at[ok], need[ok], provider[ok]
            diff = self.xyz[at]
            diff -= provider_xyz[provider]
            chord = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            del diff
            near = np.flatnonzero(chord <= provider_chord[provider])
            yield need[near], provider[near], chord[near]


def generate_candidates(needs: Needs, providers: Providers, *, leaf_size: int = 40) -> Candidates:
    """All candidate pairs, without looking at all pairs.

    Category by category: providers bound to areas (stations, offers, projects) take the needs
    inside their areas by binary search over region codes, then check the radius; the others
    (volunteers) query a KD-tree of the category's needs with their own radius. Working one
    category at a time keeps the temporaries small.

    Parameters
    ----------
    needs : Needs of length n
    providers : Providers of length m
    leaf_size : int
        Leaf size of the KD-trees.

    Returns
    -------
    Candidates
        Every pair that satisfies the hard constraints, in CSR order by need and provider.
    """
    n_cat = providers.n_categories
    if len(needs) == 0 or len(providers) == 0:
        return _empty(len(needs))
    if needs.category.max() >= n_cat:
        raise ValueError("a need's category is not a column of providers.skill")
    need_xyz = unit_vectors(needs.lat, needs.lon)
    provider_xyz = unit_vectors(providers.lat, providers.lon)
    provider_chord = chord_of_km(providers.radius_km)
    open_providers = providers.capacity > 0
    bound = np.diff(providers.area_ptr) > 0
    areas = _AreaRanges(needs, providers, np.flatnonzero(open_providers & bound), need_xyz)
    order = np.argsort(needs.category, kind="stable")
    bounds = np.searchsorted(needs.category[order], np.arange(n_cat + 1))
    free = open_providers & ~bound
    rules = _Rules(needs, providers)
    keys = _PairKeys(len(needs), len(providers), float(providers.radius_km.max()))
    for c in range(n_cat):
        members = order[bounds[c] : bounds[c + 1]]
        if members.size == 0:
            continue
        for need, provider, chord in areas.pairs(c, rules, provider_xyz, provider_chord):
            keys.add(need, provider, _millimetres(chord), repeats=areas.repeats)
        offering = np.flatnonzero(free & (providers.skill[:, c] > 0))
        if offering.size:
            for pairs in _tree_pairs(
                need_xyz, provider_xyz, provider_chord, members, offering, leaf_size
            ):
                _keep_admissible(rules, keys, *pairs, areas=False, known_open=True)
        keys.close_group(members)
    return keys.candidates()


def brute_force_candidates(
    needs: Needs, providers: Providers, *, block: int | None = None
) -> Candidates:
    """The same pairs as :func:`generate_candidates`, by checking every (need, provider) pair.

    O(n × m): the reference for tests and the baseline of the benchmark.
    """
    if len(needs) == 0 or len(providers) == 0:
        return _empty(len(needs))
    need_xyz = unit_vectors(needs.lat, needs.lon)
    provider_xyz = unit_vectors(providers.lat, providers.lon)
    provider_chord = chord_of_km(providers.radius_km)
    offered = providers.skill > 0
    block = block or max(1, min(512, 2_000_000 // len(providers)))
    need_parts, provider_parts, chord_parts = [], [], []
    for start in range(0, len(needs), block):
        rows = np.arange(start, min(start + block, len(needs)))
        diff = need_xyz[rows, None, :] - provider_xyz[None, :, :]
        chord = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        hit = (chord <= provider_chord[None, :]) & offered[:, needs.category[rows]].T
        i, j = np.nonzero(hit)
        need_parts.append(rows[i].astype(np.int32))
        provider_parts.append(j.astype(np.int32))
        chord_parts.append(chord[i, j])
    keys = _PairKeys(len(needs), len(providers), float(providers.radius_km.max()))
    _keep_admissible(
        _Rules(needs, providers),
        keys,
        np.concatenate(need_parts),
        np.concatenate(provider_parts),
        np.concatenate(chord_parts),
        areas=True,
    )
    return keys.candidates()


__all__ = [
    "Candidates",
    "ProviderRules",
    "admissible",
    "brute_force_candidates",
    "generate_candidates",
]
