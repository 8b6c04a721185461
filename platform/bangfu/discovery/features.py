"""What the risk model knows about a warning, taken when the warning is raised.

The features are stored on the warning (``Flag.features``) as they were that day, so a model
trained later learns from what the assistant faced then, not from what the registry says after
the visit (an enrolled household would otherwise teach the model that "registered in 低保"
predicts enrolment).
"""

from dataclasses import dataclass
from decimal import Decimal

from bangfu.discovery.models import Rule
from bangfu.registry.models import PersonalStatus, Tier

FEATURES: tuple[str, ...] = (
    *(f"rule_{rule}" for rule in Rule.values),
    "registered",
    *(f"tier_{tier}" for tier in Tier.values),
    # The person's own status (特困, 单人纳保): a 错保 warning is about someone covered.
    *(f"personal_{status}" for status in PersonalStatus.values if status != PersonalStatus.NONE),
    "age",
    "household_size",
    "living_alone",
    "income_known",
    "income_ratio",
    "severe_disability",
    "serious_illness",
    "elderly",
    "children",
    "amount_ratio",
)
# Income ratios above this carry no more information (and would dominate a linear model).
INCOME_RATIO_CAP = 3.0


@dataclass(frozen=True)
class Facts:
    """The situation behind one warning."""

    rule: str
    age: int | None  # the person's, or the household head's for household rules
    registered: bool
    tier: str = ""  # the household's tier; "" for a person outside the registry
    personal_status: str = ""  # the person's own status; "" for household rules
    household_size: int = 0
    income_per_person: Decimal | None = None
    standard: Decimal = Decimal("0")
    severe_disability: bool = False
    serious_illness: bool = False
    elderly: int = 0
    children: int = 0
    amount_ratio: float = 0.0  # e.g. medical spending / the threshold


def features(facts: Facts) -> dict[str, float]:
    values = dict.fromkeys(FEATURES, 0.0)
    values[f"rule_{facts.rule}"] = 1.0
    values["registered"] = float(facts.registered)
    if facts.tier:
        values[f"tier_{facts.tier}"] = 1.0
    if facts.personal_status and facts.personal_status != PersonalStatus.NONE:
        values[f"personal_{facts.personal_status}"] = 1.0
    values["age"] = float(facts.age or 0) / 100
    values["household_size"] = float(facts.household_size)
    values["living_alone"] = float(facts.household_size == 1)
    if facts.income_per_person is not None and facts.standard > 0:
        values["income_known"] = 1.0
        ratio = float(facts.income_per_person / facts.standard)
        values["income_ratio"] = round(min(ratio, INCOME_RATIO_CAP), 4)
    values["severe_disability"] = float(facts.severe_disability)
    values["serious_illness"] = float(facts.serious_illness)
    values["elderly"] = float(facts.elderly)
    values["children"] = float(facts.children)
    values["amount_ratio"] = round(min(facts.amount_ratio, INCOME_RATIO_CAP), 4)
    return values


def vector(values: dict) -> list[float]:
    """The features in model order; a feature the warning lacks (an older one) counts as 0."""
    return [float(values.get(name, 0.0)) for name in FEATURES]
