"""The registry's models, one module a subject; every model is importable from here, as
Django and the other apps expect."""

from bangfu.registry.models.categories import (
    ServiceCategory,
)
from bangfu.registry.models.decisions import (
    StatusDecision,
    StatusDecisionQuerySet,
    TemporaryGrant,
    TemporaryGrantQuerySet,
)
from bangfu.registry.models.households import (
    Household,
    HouseholdQuerySet,
    Member,
    age_on,
    is_severe_disability,
)
from bangfu.registry.models.needs import (
    Assessment,
    AssessmentQuerySet,
    LedgerImport,
    Need,
    NeedQuerySet,
)
from bangfu.registry.models.statuses import (
    HOUSEHOLD_COVERAGES,
    PERSONAL_COVERAGES,
    Coverage,
    ExitReason,
    HouseholdTier,
    PersonalStatus,
    Residence,
    Tier,
)
from bangfu.registry.models.tallies import RegionTally

__all__ = [
    "HOUSEHOLD_COVERAGES",
    "PERSONAL_COVERAGES",
    "Assessment",
    "AssessmentQuerySet",
    "Coverage",
    "ExitReason",
    "Household",
    "HouseholdQuerySet",
    "HouseholdTier",
    "LedgerImport",
    "Member",
    "Need",
    "NeedQuerySet",
    "PersonalStatus",
    "RegionTally",
    "Residence",
    "ServiceCategory",
    "StatusDecision",
    "StatusDecisionQuerySet",
    "TemporaryGrant",
    "TemporaryGrantQuerySet",
    "Tier",
    "age_on",
    "is_severe_disability",
]
