"""Where the intake desk gets its candidates: the ranking an app above registers.

The matching engine lives in an app above this one (``bangfu.matching_runs``), which registers
its ``rank_need`` here from its ``AppConfig.ready``; referrals never import it. A ranker is
called as ``ranker(need=, k=, exclude=, today=)``, ``exclude`` being provider pks the need may
not go to, and returns candidates best first, each with ``kind``, ``provider_id`` (the
``Provider`` pk for the kinds referrals route to), ``name``, ``score``, ``components`` and
``distance_km``, and, for the desk to show them, ``reasons`` (each part of the score: ``label``
and ``quantity`` in words), ``why`` (one sentence), ``score_text`` and ``score_scale``; it raises
``NeedNotRankable`` when the need's own data are unusable.
"""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from bangfu.registry.models import Need

Ranker = Callable[..., list]
_ranker: list[Ranker] = []


def register_ranker(ranker: Ranker) -> None:
    _ranker[:] = [ranker]


def rank_need(*, need: Need, k: int, exclude: set[int], today: dt.date) -> list:
    """The registered ranker's candidates for one need."""
    if not _ranker:
        raise ImproperlyConfigured("No app registered a ranker for the intake desk.")
    return _ranker[0](need=need, k=k, exclude=exclude, today=today)
