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
from bangfu.procurement.models.filings import (
    PDF_MAX_MEGABYTES,
    Filing,
    FilingDocument,
    FilingEvent,
    validate_pdf,
)
from bangfu.procurement.models.funds import (
    AID_FUND,
    FEN,
    PAYING_SOURCES,
    ZERO,
    Fund,
    FundingSource,
    ProcurementCap,
    Programme,
    money,
    money_field,
)
from bangfu.procurement.models.projects import (
    DeliveryRecord,
    LedgerEntry,
    LineDelivery,
    Project,
    ProjectLine,
    ProjectTransition,
)

__all__ = [
    "AID_FUND",
    "FEN",
    "PAYING_SOURCES",
    "PDF_MAX_MEGABYTES",
    "ZERO",
    "AgencyRegistration",
    "CatalogueItem",
    "DeliveryRecord",
    "Evaluation",
    "EvaluationCriterion",
    "EvaluationScheme",
    "EvaluationScore",
    "Filing",
    "FilingDocument",
    "FilingEvent",
    "Fund",
    "FundingSource",
    "Grade",
    "LedgerEntry",
    "LineDelivery",
    "ProcurementCap",
    "Programme",
    "Project",
    "ProjectLine",
    "ProjectTransition",
    "default_priority_tiers",
    "money",
    "money_field",
    "percent_field",
    "serves",
    "validate_pdf",
]
