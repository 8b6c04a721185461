"""A run's results in the staff's words: each score component named, with the quantity it comes
from and one sentence of why, the score's scale, and the run's summary in plain figures.

The engine stores a pair's components as numbers in [0, 1] under their labels ("distance",
"skills" … ``engine.COMPONENT_LABELS``) and, since runs keep them, the quantities behind them
under "facts" (``engine.row``). This module is the one place that turns both into what the
run's page shows; rows stored before the facts were kept still read, by their share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bangfu.matching_runs.adapter.common import CERTIFIED_SKILL, PARENT_COVERS, VOLUNTEER_SKILL
from bangfu.matching_runs.engine import COMPONENT_LABELS
from matching.scoring import COMPONENTS, DEFAULT_WEIGHTS
from matching.types import WEEK_SLOTS

# Each component's name and the sentence that says why it counts, by the engine's label; the
# page shows them in the engine's order (``engine.COMPONENT_LABELS``).
TEXTS = {
    "distance": (
        gettext_lazy("Distance"),
        gettext_lazy(
            "Nearer providers reach the home sooner and more often: this part halves every "
            "%(half)s km."
        ),
    ),
    "skills": (
        gettext_lazy("Service offered"),
        gettext_lazy(
            "A provider offering the service itself, with the matching qualification, fits best."
        ),
    ),
    "success": (
        gettext_lazy("Chance of success"),
        gettext_lazy(
            "How likely the provider is to accept and complete the referral, learned from past "
            "referrals."
        ),
    ),
    "continuity": (
        gettext_lazy("Continuity"),
        gettext_lazy(
            "One household, one chain of help (一户一条救助链): a provider that already serves "
            "it comes first."
        ),
    ),
    "quality": (
        gettext_lazy("Rating"),
        gettext_lazy("Households' feedback on finished services, out of 5."),
    ),
    "availability": (
        gettext_lazy("Free at the right times"),
        gettext_lazy(
            "Free at the times the household asked for or, when it asked none, for much of the "
            "week."
        ),
    ),
    "capacity": (
        gettext_lazy("Places free"),
        gettext_lazy("Providers with room to spare come first, so no one is flooded."),
    ),
}
# The engine's weight of each part, by its label: what ``why`` weighs the parts by.
_WEIGHTS = {
    COMPONENT_LABELS[name]: weight
    for name, weight in zip(COMPONENTS, DEFAULT_WEIGHTS.vector(), strict=True)
}
SCORE_SCALE = gettext_lazy(
    "A score runs from 0 (no fit) to 1 (the best fit possible): the weighted mean of its parts, "
    "each from 0 to 1."
)


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    quantity: str
    why: str
    share: float  # the component, 0 to 1


def count(value) -> str:
    """A count with thousands separated: 2,698."""
    return f"{int(value):,}"


def percent(share: float | None) -> str:
    """A share as a whole percentage, or, below 1%, exactly to two significant figures: never
    rounded to zero. 55%, 0.46%, 0.0012%."""
    if share is None:
        return "—"
    value = 100 * float(share)
    if value == 0:
        return "0%"
    if abs(value) < 1:
        return f"{value:.2g}%"
    return f"{value:.0f}%"


def figure(value: float) -> str:
    """A figure from 0 to 1 (a score, a fairness value) to two decimals, or, below 0.01, to two
    significant figures: never rounded to zero. 0.73, 0.0042."""
    value = float(value)
    if value == 0 or abs(value) >= 0.01:
        return f"{value:.2f}"
    return f"{value:.2g}"


def score(value: float) -> str:
    return _("%(score)s of 1") % {"score": figure(value)}


def _skills(share: float) -> str:
    # The adapter's levels (``adapter.common``): the service itself, by a volunteer without a
    # matching certificate, the wider service it belongs to, or both.
    levels = {
        CERTIFIED_SKILL: _("offers this service"),
        VOLUNTEER_SKILL: _("offers this service (volunteer without a matching certificate)"),
        CERTIFIED_SKILL * PARENT_COVERS: _("offers the wider service it belongs to"),
        VOLUNTEER_SKILL * PARENT_COVERS: _(
            "offers the wider service (volunteer without a matching certificate)"
        ),
    }
    for level, text in levels.items():
        if math.isclose(share, level, abs_tol=5e-4):
            return text
    return _("%(share)s of a full match") % {"share": percent(share)}


def _quantity(key: str, share: float, facts: dict, distance_km: float | None) -> str:
    if key == "distance":
        if distance_km is None:
            return percent(share)
        return _("%(km)s km from the home") % {"km": f"{distance_km:.1f}"}
    if key == "skills":
        return _skills(share)
    if key == "success":
        chance = _("success chance %(share)s") % {"share": percent(share)}
        if facts and not facts.get("learned", True):
            return _("%(chance)s (no model trained yet: the same for every provider)") % {
                "chance": chance
            }
        if facts and facts.get("finished"):
            return _("%(chance)s; completed %(completed)s of %(finished)s finished referrals") % {
                "chance": chance,
                "completed": count(facts["completed"]),
                "finished": count(facts["finished"]),
            }
        return chance
    if key == "continuity":
        return _("already serves this household") if share else _("does not serve it yet")
    if key == "quality":
        if facts and facts.get("rating") is not None:
            return _("rated %(rating)s of 5") % {"rating": facts["rating"]}
        if facts:
            return _("not rated yet (counted as %(rating)s of 5)") % {"rating": f"{5 * share:g}"}
        return _("rated %(rating)s of 5") % {"rating": f"{5 * share:.1f}"}
    if key == "availability":
        if facts and facts.get("times_asked"):
            return _("free at %(covered)s of %(asked)s times asked") % {
                "covered": facts["times_covered"],
                "asked": facts["times_asked"],
            }
        if facts:
            return _("free %(slots)s of the week's %(all)s mornings, afternoons and evenings") % {
                "slots": facts["free_slots"],
                "all": WEEK_SLOTS,
            }
        return percent(share)
    if key == "capacity":
        if facts:
            return _("%(free)s of %(total)s places free") % {
                "free": count(facts["places_free"]),
                "total": count(facts["places_total"]),
            }
        return _("%(share)s of its places free") % {"share": percent(share)}
    raise KeyError(key)


def reasons(components: dict, distance_km: float | None = None) -> list[Reason]:
    """Each component of a pair's score: its label, its quantity, why it counts, its share."""
    facts = components.get("facts") or {}
    # The scale the run scored with; runs stored before it was kept scored with the defaults.
    scale = facts.get("distance_scale_km", DEFAULT_WEIGHTS.distance_scale_km)
    half = scale * math.log(2)
    found = []
    for key in COMPONENT_LABELS.values():
        if key not in components:
            continue
        label, because = TEXTS[key]
        share = float(components[key])
        found.append(
            Reason(
                key=key,
                label=str(label),
                quantity=_quantity(key, share, facts, distance_km),
                why=str(because) % {"half": f"{half:.1f}"} if key == "distance" else str(because),
                share=share,
            )
        )
    return found


def why(reasons: Iterable[Reason]) -> str:
    """One sentence: the two parts that add most to the score and, when one costs it much,
    the part that loses most (by the engine's weights)."""
    reasons = list(reasons)
    if not reasons:
        return ""

    def part(reason: Reason) -> str:
        return _("%(label)s (%(quantity)s)") % {
            "label": reason.label.lower(),
            "quantity": reason.quantity,
        }

    def gained(reason: Reason) -> float:
        return _WEIGHTS.get(reason.key, 0) * reason.share

    def lost(reason: Reason) -> float:
        return _WEIGHTS.get(reason.key, 0) * (1 - reason.share)

    strong = sorted(reasons, key=gained, reverse=True)[:2]
    weak = max((r for r in reasons if r not in strong), key=lost, default=None)
    sentence = _("Placed here mostly by its %(parts)s") % {
        "parts": _(" and ").join(part(reason) for reason in strong)
    }
    # A part costing less than a tenth of the weights is not worth a word.
    if weak is not None and lost(weak) >= 0.1 * sum(_WEIGHTS.values()):
        return _("%(sentence)s; it loses most on %(part)s.") % {
            "sentence": sentence,
            "part": part(weak),
        }
    return _("%(sentence)s.") % {"sentence": sentence}


def _floor(run, servable: int) -> str | None:
    """Whether the servable protected needs are proven the most any allocation can serve, or
    only reached (the exact solver stopped at its time limit), with the most they could be."""
    if run.floor_proven is None or (run.floor_proven and not servable):
        return None
    if run.floor_proven:
        return _("%(servable)s is proven the most protected needs any allocation can place.") % {
            "servable": count(servable)
        }
    return _(
        "At least %(servable)s protected needs can be placed within the budgets; at most "
        "%(upper)s (the exact solver stopped at its time limit before proving which)."
    ) % {"servable": count(servable), "upper": count(run.floor_upper or servable)}


def _bundles(run) -> list[str]:
    """What one chain of help per household (一户一条救助链) cost in score, and how many
    households it gave one provider for all their needs placed, against the plain allocation."""
    figures = run.bundles or {}
    if not run.household_bundles or not figures:
        return []
    plain = figures["plain_objective"]
    cost = (plain - figures["objective"]) / plain if plain else 0.0
    single = figures["single_provider"]
    values = {
        "households": count(single),
        "cost": percent(cost),
        "several": count(figures["households"]),
        "plain": count(figures["plain_single_provider"]),
        "plain_several": count(figures["plain_households"]),
    }
    if cost > 0:
        first = ngettext(
            "To have %(households)s household served by one provider for all its needs, the "
            "total score is %(cost)s lower.",
            "To have %(households)s households served by one provider for all their needs, the "
            "total score is %(cost)s lower.",
            single,
        )
    else:
        first = ngettext(
            "%(households)s household is served by one provider for all its needs, at no cost "
            "in score.",
            "%(households)s households are served by one provider for all their needs, at no "
            "cost in score.",
            single,
        )
    second = _(
        "Households with several needs placed that have one provider for all of them: "
        "%(households)s of %(several)s (%(plain)s of %(plain_several)s without one chain per "
        "household)."
    )
    return [first % values, second % values]


def run_summary(run) -> list[str]:
    """The run's outcome in plain words, exact figures: the protected needs placed of those any
    allocation could place (and whether that is proven the most), how far from the best
    possible, the needs placed in all, and what one chain per household cost."""
    sentences = []
    protected = (run.fairness or {}).get("protected")
    if protected:
        figures = {
            "served": count(protected["served"]),
            "servable": count(protected["servable"]),
        }
        if protected["served"] >= protected["servable"]:
            sentences.append(
                _(
                    "All servable protected needs (特困、孤儿、重度残疾) are placed: "
                    "%(served)s / %(servable)s."
                )
                % figures
            )
        else:
            sentences.append(
                _(
                    "%(served)s of %(servable)s servable protected needs (特困、孤儿、重度残疾) "
                    "are placed."
                )
                % figures
            )
        floor = _floor(run, protected["servable"])
        if floor:
            sentences.append(floor)
    if run.kind != run.Kind.RANK:
        sentences.append(
            _("%(assigned)s of %(needs)s open needs are placed.")
            % {"assigned": count(run.assigned_count), "needs": count(run.needs_count)}
        )
    if run.gap is not None:
        figures = {"gap": percent(run.gap)}
        if run.kind == run.Kind.PROVINCE:
            sentences.append(
                _(
                    "Split by county, the allocation is within %(gap)s of one allocation over "
                    "the whole region."
                )
                % figures
            )
        else:
            sentences.append(_("The allocation is within %(gap)s of the best possible.") % figures)
    elif run.kind == run.Kind.ALLOCATE and run.objective is not None:
        sentences.append(_("The allocation is the best possible (solved exactly)."))
    return sentences + _bundles(run)
