"""Household plans for the demo: who lives together, their health, their work and their income.

Pure functions of a ``random.Random``: no database. The shares follow what a county of ~200,000
people in the Yunnan highlands sees: mostly 低保 households, many elderly living alone, left-behind
grandchildren whose parents work in the cities, disabled and chronically ill members.

A plan's ``tier`` is the kind of household drawn (it shapes who lives there and their income);
what the registry holds is per the law: the household's own status (``household_tier``) and each
member's personal status (特困, 单人纳保). Households of tier "none" came to the registry through
a 临时救助 grant after a crisis (``event``): no lasting status.

One module a subject: what a plan holds (``plans``), who lives together (``shapes``), their
health and work (``health``), income and savings (``means``), the household drawn whole with its
statuses (``households``), and names and ID numbers (``identities``). What the demo's steps use
is importable from here.
"""

from bangfu.demo.families.households import EVENTS, plan_household, tier_quota
from bangfu.demo.families.identities import IdentityMaker
from bangfu.demo.families.means import MIN_GRADUAL_EXITS
from bangfu.demo.families.plans import HouseholdPlan, PersonPlan

__all__ = [
    "EVENTS",
    "MIN_GRADUAL_EXITS",
    "HouseholdPlan",
    "IdentityMaker",
    "PersonPlan",
    "plan_household",
    "tier_quota",
]
