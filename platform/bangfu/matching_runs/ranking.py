"""One need ranked on demand: the intake desk's ranker (registered with
``bangfu.referrals.ranking``), on the county's warm index (``desk_index``), every candidate
explained in the words of the run's page (``explain``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from bangfu.matching_runs import desk_index, engine, explain
from bangfu.matching_runs.adapter import key_of
from bangfu.matching_runs.selectors import fix_url, left_out_message
from bangfu.referrals.errors import NeedNotRankable
from bangfu.registry.models import Need
from matching.scoring import COMPONENTS


@dataclass(frozen=True)
class RankedProvider:
    """One candidate for a need; ``provider_id`` is the ``Provider`` pk of a station, volunteer
    or project, the offer's own pk for a charity offer. ``reasons`` name each part of the score
    with its quantity (``explain.Reason``), ``why`` says in one sentence what placed it
    (``explain.why``)."""

    kind: str
    provider_id: int
    name: str
    score: float
    components: dict
    distance_km: float | None
    reasons: tuple = field(default=(), compare=False)
    why: str = field(default="", compare=False)

    @property
    def score_text(self) -> str:
        """ "0.73 of 1"."""
        return explain.score(self.score)

    @property
    def score_scale(self) -> str:
        """The scale of every score, as the run's page states it."""
        return str(explain.SCORE_SCALE)

    @property
    def distance_text(self) -> str:
        """ "4.0 km"; "—" when unknown."""
        return "—" if self.distance_km is None else f"{self.distance_km:.1f} km"


def rank_need(
    *,
    need: Need,
    k: int = 10,
    exclude: Iterable[int] = (),
    today: dt.date | None = None,
) -> list[RankedProvider]:
    """The top providers for one need on ``today`` (by default, now), every score explained;
    ``exclude`` names providers (``Provider`` pks) the need may not go to. Registered as the
    intake desk's ranker (``bangfu.referrals.ranking``).

    The county's providers come from its warm index (``desk_index``), their loads read live:
    the same candidates, scores and order as ranking the need on a cold load of the county.

    Raises NeedNotRankable when the engine cannot use the need's own data as they are (its
    household's coordinates out of range …): the desk shows why and where to correct it.
    """
    county = need.household.region.county()
    warm = desk_index.warm_index(county, today=today or timezone.localdate())
    needs, left_out, _exclusions = warm.load_need(county, need, exclude=set(exclude))
    if left_out:
        entry = left_out[0].as_dict()
        raise NeedNotRankable(left_out_message(entry), fix_url=fix_url(entry))
    if not len(needs):
        return []
    model = engine.success_model()
    ranking, arrays = warm.rank(needs, k=k, success_model=model)
    ranked = []
    for r in range(len(ranking)):
        row = engine.row(
            arrays,
            0,
            r + 1,
            int(ranking.provider[r]),
            ranking.score[r],
            {name: ranking.components[name][r] for name in COMPONENTS},
            ranking.distance_km[r],
            learned=model is not None,
            distance_scale_km=ranking.weights.distance_scale_km,
        )
        reasons = tuple(explain.reasons(row.components, row.distance_km))
        ranked.append(
            RankedProvider(
                kind=row.kind,
                provider_id=row.provider_id,
                name=warm.names[key_of(row.kind, row.provider_id)],
                score=row.score,
                components=row.components,
                distance_km=row.distance_km,
                reasons=reasons,
                why=explain.why(reasons),
            )
        )
    return ranked
