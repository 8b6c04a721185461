"""The synthetic generator is deterministic and realistic enough to bench on."""

import numpy as np

from matching.synthetic import SIZES, make_instance
from matching.types import KINDS


def test_the_same_seed_gives_the_same_instance():
    first, again = make_instance("small", random_state=9), make_instance("small", random_state=9)
    for name in ("lat", "priority", "category", "protected", "declined"):
        assert np.array_equal(getattr(first.needs, name), getattr(again.needs, name))
    for name in ("lat", "skill", "capacity", "area_code", "unit_cost"):
        assert np.array_equal(getattr(first.providers, name), getattr(again.providers, name))
    assert np.array_equal(first.budgets, again.budgets)
    other = make_instance("small", random_state=10)
    assert not np.array_equal(first.needs.lat, other.needs.lat)


def test_sizes_and_mix_are_as_declared():
    instance = make_instance("small", random_state=0)
    size = SIZES["small"]
    assert len(instance.needs) == size.needs
    kinds = np.bincount(instance.providers.kind, minlength=len(KINDS))
    assert kinds.tolist() == [size.stations, size.volunteers, size.offers, size.projects]
    assert instance.budgets.shape == (size.counties * size.pools_per_county,)
    # the top tier ranks first on average
    needs = instance.needs
    assert needs.priority[needs.protected].mean() > needs.priority[~needs.protected].mean()
