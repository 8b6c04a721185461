"""What the step decides: how many of each, in the county's words, one decision at a time."""

import datetime as dt
from dataclasses import dataclass, field

from bangfu.demo.families import HouseholdPlan
from bangfu.registry.models import Coverage, Household, StatusDecision, Tier

Kind, Source = StatusDecision.Kind, StatusDecision.Source
HISTORY_DAYS = 730
# How many of each, as a share of the households (at least the minimum, when there are any).
SHARES = {
    "recorded": (0.015, 3),
    "confirmed": (0.01, 2),
    "rejected": (0.002, 2),
    "waiting": (0.004, 4),
    "gradual": (0.006, 2),
    "deceased": (0.004, 1),
    "moved": (0.003, 1),
}
WAITING_IN_LOGIN_TOWNSHIP = 3
# The data the assistants write is in the county's words, whatever the interface's language.
HOUSEHOLD_WORDS = {
    Tier.DIBAO: "低保家庭",
    Tier.MARGINAL: "低保边缘家庭",
    Tier.EXPENDITURE: "支出型困难家庭",
}
REJECTIONS = (
    (
        Kind.ADJUST,
        Coverage.DIBAO,
        "家中有重病患者，医疗支出大，建议纳入低保",
        "家庭人均收入高于低保标准，不符合低保条件；医疗支出可按支出型申请临时救助",
    ),
    (
        Kind.ENROL,
        Coverage.SINGLE_DIBAO,
        "长期患病，劳动能力弱，建议单人纳保",
        "所患疾病不属于重病范围，也非重度残疾，未达单人纳保条件",
    ),
)


@dataclass
class Planned:
    """One decision to make: on ``on`` (effective, or recommended for those not confirmed)."""

    action: str  # "record", "confirm", "reject" or "wait"
    on: dt.date
    household: Household
    plan: HouseholdPlan
    to_status: str
    member_pk: int | None = None
    kind: str | None = None
    source: str = Source.STAFF
    exit_reason: str = ""
    note: str = ""
    rejection: str = ""
    revert: bool = False  # put the status back to "none" before the decision
    evidence: dict = field(default_factory=dict)
