"""The rules that raise warnings, each reading the imported records and the registry of one
region. A rule returns ``Finding``s: who, which village, the data it fired on, and a key that
makes the warning unique (the same rule on the same person and period is one warning).

Each rule implements a sentence of the source documents (``seeds/``), quoted in its docstring
and, through ``explain.RULE_BASIS``, in the explanation staff read. Thresholds are policy
parameters of the person's village (``Policy(village, year)``).

Coverage is per person (``is_covered``): 特困 and 单人纳保 are a member's status, 低保, 低保边缘
and 支出型 the household's (``Household.household_tier``); ``Household.tier`` is the strongest of
them. 临时救助 is a one-off grant, never coverage.

A finding that calls for a decision says so in its evidence: ``"recommend"`` ("enrol", "exit"
or "adjust"), the ``"status"`` concerned and, for a person's status, the ``"member"``; the
assistant's verification turns it into a recommendation for the township to confirm.
"""

from bangfu.discovery.models import Rule
from bangfu.discovery.rules.context import (
    BASIC_LIVING,
    COVERED_TIERS,
    DEPENDENT_CARE,
    DISTINCT_DATA,
    EXPENDITURE_TIERS,
    LOOKUP_CHUNK,
    LOW_INCOME_TIERS,
    RIGID_SPENDING,
    TEKUN_MINOR_AGES,
    WRONGLY_COVERED_SOURCES,
    Finding,
    ScanContext,
    basic_living_status,
    income_per_person,
    is_covered,
    is_live,
    is_low_income,
)
from bangfu.discovery.rules.households import (
    dibao_review_due,
    expenditure_hardship,
    wrongly_covered,
)
from bangfu.discovery.rules.people import (
    custody_minor,
    medical_out_of_pocket,
    monitoring_uncovered,
    severe_disability_uncovered,
    single_dibao_candidate,
    tekun_minor_dropped,
)

__all__ = [
    "BASIC_LIVING",
    "COVERED_TIERS",
    "DEPENDENT_CARE",
    "DISTINCT_DATA",
    "EXPENDITURE_TIERS",
    "LOOKUP_CHUNK",
    "LOW_INCOME_TIERS",
    "RIGID_SPENDING",
    "RULES",
    "TEKUN_MINOR_AGES",
    "WRONGLY_COVERED_SOURCES",
    "Finding",
    "ScanContext",
    "basic_living_status",
    "custody_minor",
    "dibao_review_due",
    "expenditure_hardship",
    "find_all",
    "income_per_person",
    "is_covered",
    "is_live",
    "is_low_income",
    "medical_out_of_pocket",
    "monitoring_uncovered",
    "severe_disability_uncovered",
    "single_dibao_candidate",
    "tekun_minor_dropped",
    "wrongly_covered",
]

RULES = {
    Rule.MEDICAL: medical_out_of_pocket,
    Rule.SEVERE_DISABILITY: severe_disability_uncovered,
    # After the certificates' rule, whose finds it leaves alone.
    Rule.SINGLE_DIBAO_CANDIDATE: single_dibao_candidate,
    Rule.TEKUN_MINOR_DROPPED: tekun_minor_dropped,
    Rule.DIBAO_REVIEW_DUE: dibao_review_due,
    Rule.EXPENDITURE: expenditure_hardship,
    Rule.MONITORING: monitoring_uncovered,
    Rule.CUSTODY_MINOR: custody_minor,
    Rule.WRONGLY_COVERED: wrongly_covered,
}


def find_all(ctx: ScanContext) -> list[Finding]:
    return [finding for rule in RULES.values() for finding in rule(ctx)]
