"""Purchased social-assistance services (政府购买社会救助服务): funds and the cap, the catalogue,
projects with their ledger and deliveries, and performance evaluation (绩效评价).

Every model is importable from here, as Django and the other apps expect.
"""

from bangfu.procurement.agencies import AgencyRegistration, serves
from bangfu.procurement.models.catalogue import CatalogueItem
from bangfu.procurement.models.evaluation import (
    Evaluation,
    EvaluationCriterion,
    EvaluationScheme,
    EvaluationScore,
    Grade,
    default_priority_tiers,
    percent_field,
)
from bangfu.procurement.models.funds import (
    FEN,
    ZERO,
    Fund,
    FundingSource,
    ProcurementCap,
    money,
    money_field,
)
from bangfu.procurement.models.projects import (
    DeliveryRecord,
    Filing,
    LedgerEntry,
    LineDelivery,
    Project,
    ProjectLine,
    ProjectTransition,
)

__all__ = [
    "FEN",
    "ZERO",
    "AgencyRegistration",
    "CatalogueItem",
    "DeliveryRecord",
    "Evaluation",
    "EvaluationCriterion",
    "EvaluationScheme",
    "EvaluationScore",
    "Filing",
    "Fund",
    "FundingSource",
    "Grade",
    "LedgerEntry",
    "LineDelivery",
    "ProcurementCap",
    "Project",
    "ProjectLine",
    "ProjectTransition",
    "default_priority_tiers",
    "money",
    "money_field",
    "percent_field",
    "serves",
]
