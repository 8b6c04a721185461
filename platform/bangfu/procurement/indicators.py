"""Performance indicators (绩效评价指标) computed from a project's own records.

Each indicator has a raw value and a score out of 100; an indicator that cannot be measured yet
(no target, no rating, nothing paid) has no score and its weight is shared among the others.
"""

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.procurement.models import ZERO, EvaluationScheme, Project, money

HUNDRED = Decimal("100")
SCORE = Decimal("0.01")

SHORT_LABELS = {
    "coverage": _("Coverage"),
    "timeliness": _("Timeliness"),
    "completion": _("Completion"),
    "satisfaction": _("Satisfaction"),
    "cost": _("Cost per household"),
    "priority_share": _("Priority tiers"),
}
LABELS = {
    "coverage": _("Coverage (households served / targeted)"),
    "timeliness": _(
        "Timeliness (median days from referral to first service; without referrals, from "
        "contract start to first delivery)"
    ),
    "completion": _("Completion (value delivered / contract amount)"),
    "satisfaction": _("Satisfaction (mean rating out of 5, deliveries and referral feedback)"),
    "cost": _("Cost per household served (paid / households)"),
    "priority_share": _("Share of delivered value for priority tiers"),
}


def score(value: Decimal) -> Decimal:
    return value.quantize(SCORE, rounding=ROUND_HALF_UP)


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class Indicator:
    code: str
    value: Decimal | int | None  # the measurement, in its own unit
    score: Decimal | None  # 0-100, or None when it cannot be measured
    weight: Decimal

    @property
    def label(self) -> str:
        return str(LABELS[self.code])

    def as_json(self) -> dict:
        return {
            "value": None if self.value is None else str(self.value),
            "score": None if self.score is None else str(self.score),
            "weight": str(self.weight),
        }


def capped_pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else score(min(value, Decimal(1)) * HUNDRED)


def _days_to_first_service(project: Project, deliveries) -> int | None:
    """Median days from referral to first session over the project's served referrals; without
    any, days from the contract's start to its first delivery."""
    waits = [
        (first - timezone.localtime(sent).date()).days
        for sent, first in project.provider.referrals.filter(
            first_service_on__isnull=False
        ).values_list("sent_at", "first_service_on")
    ]
    if waits:
        return round(statistics.median(waits))
    first = min((record.delivered_on for record in deliveries), default=None)
    return None if first is None else (first - project.starts_on).days


def compute_indicators(project: Project, scheme: EvaluationScheme) -> list[Indicator]:
    """The six indicators of a project, from its lines, deliveries, payments and the feedback
    on its referrals."""
    weights = scheme.indicator_weights()
    deliveries = list(project.deliveries.select_related("line", "household"))
    households = {record.household_id for record in deliveries if record.household_id}
    served = len(households)

    coverage = ratio(served, project.target_households)

    days = _days_to_first_service(project, deliveries)
    if days is None:
        timeliness_score = ZERO
    elif days <= scheme.timeliness_full_days:
        timeliness_score = score(HUNDRED)
    elif days >= scheme.timeliness_zero_days:
        timeliness_score = ZERO
    else:
        span = scheme.timeliness_zero_days - scheme.timeliness_full_days
        timeliness_score = score(HUNDRED * (scheme.timeliness_zero_days - days) / span)

    delivered_value = project.delivered_value()
    completion = ratio(delivered_value, project.amount)

    # The households' ratings: given on a delivery staff recorded, or as feedback on a
    # referral the agency served under the project.
    ratings = [record.satisfaction for record in deliveries if record.satisfaction]
    ratings += project.provider.referrals.filter(feedback__isnull=False).values_list(
        "feedback__satisfaction", flat=True
    )
    mean_rating = ratio(sum(ratings), len(ratings))
    satisfaction_score = None if mean_rating is None else score(mean_rating / 5 * HUNDRED)

    paid = project.paid_amount()
    cost = money(paid / served) if served and paid else None
    planned = ratio(project.amount, project.target_households)
    cost_score = None if cost is None or planned is None else capped_pct(planned / cost)

    priority_tiers = set(scheme.priority_tiers)
    to_households = [record for record in deliveries if record.household_id]
    value_all = sum((record.quantity * record.line.unit_price for record in to_households), ZERO)
    value_priority = sum(
        (
            record.quantity * record.line.unit_price
            for record in to_households
            if record.household.tier in priority_tiers
        ),
        ZERO,
    )
    priority_share = ratio(value_priority, value_all)

    def pct(value):
        return None if value is None else score(value * HUNDRED)

    return [
        Indicator("coverage", pct(coverage), capped_pct(coverage), weights["coverage"]),
        Indicator("timeliness", days, timeliness_score, weights["timeliness"]),
        Indicator("completion", pct(completion), capped_pct(completion), weights["completion"]),
        Indicator(
            "satisfaction",
            None if mean_rating is None else score(mean_rating),
            satisfaction_score,
            weights["satisfaction"],
        ),
        Indicator("cost", cost, cost_score, weights["cost"]),
        Indicator(
            "priority_share",
            pct(priority_share),
            capped_pct(priority_share),
            weights["priority_share"],
        ),
    ]


def weighted_score(pairs: list[tuple[Decimal | None, Decimal]]) -> Decimal:
    """Weighted mean of (score, weight) pairs; pairs without a score do not count."""
    scored = [(value, weight) for value, weight in pairs if value is not None]
    total_weight = sum((weight for _value, weight in scored), ZERO)
    if not total_weight:
        return ZERO
    return score(sum((value * weight for value, weight in scored), ZERO) / total_weight)


def final_score(
    *, indicator_score: Decimal, form_score: Decimal, scheme: EvaluationScheme
) -> Decimal:
    share = scheme.form_share_pct / HUNDRED
    return score(indicator_score * (1 - share) + form_score * share)
