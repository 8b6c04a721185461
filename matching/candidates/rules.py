"""Hard constraints 3–11 of candidate pairs (see :mod:`matching.candidates`), vectorised."""

from __future__ import annotations

import numpy as np

from matching.types import (
    AGE_UNLIMITED,
    ALL_TIERS,
    ANY,
    POW10,
    REGION_DIGITS,
    Needs,
    Providers,
)


class ProviderRules:
    """What the hard constraints need to know about providers, worked out once.

    :class:`CandidateIndex` keeps one and refreshes the rows of providers that change.
    """

    def __init__(self, providers: Providers):
        self.providers = providers
        self.refresh()

    def refresh(self, rows=slice(None)):
        """Work the flags out again, for all providers or for the positions ``rows``."""
        providers = self.providers
        if isinstance(rows, slice):
            self.tier_bound = np.zeros(len(providers), dtype=bool)
            self.age_bound, self.grade_bound = self.tier_bound.copy(), self.tier_bound.copy()
            self.sex_bound, self.any_bound = self.tier_bound.copy(), self.tier_bound.copy()
            self.closed = self.tier_bound.copy()
            self.n_areas = np.diff(providers.area_ptr)
            self.id_order = np.argsort(providers.id, kind="stable")
            self.sorted_ids = providers.id[self.id_order]
        self.tier_bound[rows] = providers.tiers[rows] != ALL_TIERS
        self.age_bound[rows] = (providers.min_age[rows] > 0) | (
            providers.max_age[rows] < AGE_UNLIMITED
        )
        self.grade_bound[rows] = providers.disability_max_grade[rows] > 0
        self.sex_bound[rows] = providers.serves_gender[rows] != ANY
        self.closed[rows] = providers.capacity[rows] <= 0
        self.any_bound[rows] = (
            self.tier_bound[rows]
            | self.age_bound[rows]
            | self.grade_bound[rows]
            | self.sex_bound[rows]
            | self.closed[rows]
        )

    def positions(self, keys) -> np.ndarray:
        """Positions of provider keys; -1 for keys not here."""
        keys = np.asarray(keys, dtype=np.int64)
        if self.sorted_ids.shape[0] == 0:
            return np.full(keys.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted_ids, keys), self.sorted_ids.shape[0] - 1)
        return np.where(self.sorted_ids[at] == keys, self.id_order[at], -1)


class _Rules:
    """Hard constraints 3–11 for one set of needs, with pair-independent parts worked out once."""

    def __init__(self, needs: Needs, providers: Providers, known: ProviderRules | None = None):
        self.needs, self.providers = needs, providers
        known = known or ProviderRules(providers)
        self.tier_bound, self.age_bound = known.tier_bound, known.age_bound
        self.grade_bound, self.sex_bound = known.grade_bound, known.sex_bound
        self.closed, self.provider_bound = known.closed, known.any_bound
        self.n_areas = known.n_areas
        self.need_bound = (needs.wants_gender != ANY) | (needs.languages != 0) | (needs.times != 0)
        self.declining = np.diff(needs.declined_ptr) > 0
        self.banned = None
        if needs.declined.size:
            position = known.positions(needs.declined)
            owner = np.repeat(np.arange(len(needs), dtype=np.int64), np.diff(needs.declined_ptr))
            found = position >= 0
            self.banned = np.unique(owner[found] * len(providers) + position[found])
            if self.banned.size == 0:
                self.banned = None

    def eligible(self, need, provider, *, known_open=False, known_tier=False) -> np.ndarray:
        """Constraints 4–10, each evaluated only on the pairs where it can bite.

        Provider-side rules (capacity, tier, age, disability, sex served) look only at pairs
        whose provider has that rule, need-side ones (gender wanted, languages, times) only at
        pairs whose need states a preference: most pairs are checked by two gathers of flags.
        ``known_open``, ``known_tier``: the pairs' providers are known to have capacity left,
        to serve the need's tier (they were found that way); those rules are not checked again.
        """
        ok = np.ones(need.shape[0], dtype=bool)
        bound = self.provider_bound
        if known_open or known_tier:
            bound = self.age_bound | self.grade_bound | self.sex_bound
            if not known_open:
                bound |= self.closed
            if not known_tier:
                bound |= self.tier_bound
        at = np.flatnonzero(bound[provider])
        if at.size:
            ok[at] = self._provider_rules(
                need[at], provider[at], check_open=not known_open, check_tier=not known_tier
            )
        at = np.flatnonzero(self.need_bound[need])
        if at.size:
            ok[at] &= self._need_rules(need[at], provider[at])
        return ok

    def _provider_rules(self, i, j, *, check_open=True, check_tier=True) -> np.ndarray:
        needs, providers = self.needs, self.providers
        good = ~self.closed[j] if check_open else np.ones(j.shape[0], dtype=bool)
        for bound, rule in (
            (
                self.tier_bound if check_tier else None,
                lambda i, j: (providers.tiers[j] >> needs.tier[i]) & 1 == 1,
            ),
            (self.age_bound, lambda i, j: _age_fits(needs.age[i], providers, j)),
            (self.grade_bound, lambda i, j: _grade_fits(needs.disability_grade[i], providers, j)),
            (self.sex_bound, lambda i, j: providers.serves_gender[j] == needs.sex[i]),
        ):
            if bound is None:
                continue
            at = np.flatnonzero(bound[j])
            if at.size:
                good[at] &= rule(i[at], j[at])
        return good

    def _need_rules(self, i, j) -> np.ndarray:
        needs, providers = self.needs, self.providers
        wants, gender = needs.wants_gender[i], providers.gender[j]
        good = (wants == ANY) | (gender == ANY) | (gender == wants)
        speaks = needs.languages[i]
        good &= (speaks == 0) | ((speaks & providers.languages[j]) != 0)
        wanted, free = needs.times[i], providers.times[j]
        good &= (wanted == 0) | (free == 0) | ((wanted & free) != 0)
        return good

    def inside_areas(self, need, provider) -> np.ndarray:
        """Constraint 3: one comparison per (pair, area region)."""
        needs, providers = self.needs, self.providers
        ok = np.ones(need.shape[0], dtype=bool)
        at = np.flatnonzero(self.n_areas[provider] > 0)
        if at.size == 0:
            return ok
        per_pair = self.n_areas[provider[at]]
        owner = np.repeat(np.arange(at.size), per_pair)
        slot = _csr_slots(providers.area_ptr, provider[at], per_pair)
        digits = providers.area_digits[slot]
        region = needs.region[need[at]][owner]
        match = region // POW10[REGION_DIGITS - digits] == providers.area_code[slot]
        ok[at] = np.bincount(owner, weights=match, minlength=at.size) > 0
        return ok

    def not_declined(self, need, provider) -> np.ndarray:
        """Constraint 11."""
        ok = np.ones(need.shape[0], dtype=bool)
        if self.banned is None:
            return ok
        at = np.flatnonzero(self.declining[need])
        if at.size:
            key = need[at].astype(np.int64) * len(self.providers) + provider[at]
            # ``banned`` is sorted and unique: a binary search beats a hash of every key.
            found = np.searchsorted(self.banned, key)
            np.minimum(found, self.banned.shape[0] - 1, out=found)
            ok[at] = self.banned[found] != key
        return ok

    def check(self, need, provider, *, areas=True, known_open=False, known_tier=False):
        """Constraints 3–11 of pairs, shape (p,), bool; constraint 3 only when ``areas``
        (the other keywords as in :meth:`eligible`)."""
        ok = self.eligible(need, provider, known_open=known_open, known_tier=known_tier)
        if areas:
            keep = np.flatnonzero(ok)
            ok[keep] = self.inside_areas(need[keep], provider[keep])
        keep = np.flatnonzero(ok)
        ok[keep] = self.not_declined(need[keep], provider[keep])
        return ok


def _age_fits(age, providers, j) -> np.ndarray:
    low, high = providers.min_age[j], providers.max_age[j]
    return ((low <= 0) | (age >= low)) & ((high >= AGE_UNLIMITED) | ((age >= 0) & (age <= high)))


def _grade_fits(grade, providers, j) -> np.ndarray:
    most = providers.disability_max_grade[j]
    return (most == 0) | ((grade >= 1) & (grade <= most))


def admissible(needs: Needs, providers: Providers, need, provider) -> np.ndarray:
    """Hard constraints 3–11 (all but category and radius) on given pairs.

    Parameters
    ----------
    needs : Needs
    providers : Providers
    need, provider : ndarray of shape (p,), int
        Positions of the pairs to check.

    Returns
    -------
    ndarray of shape (p,), bool
    """
    return _Rules(needs, providers).check(np.asarray(need), np.asarray(provider))


def _csr_slots(ptr, rows, counts):
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(ptr[rows], counts) + (np.arange(int(counts.sum())) - first)
