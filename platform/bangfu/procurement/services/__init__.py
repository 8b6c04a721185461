"""The only code that writes procurement data. Each service is one transaction; the modules
hold funds and the cap, projects, deliveries and evaluation."""

from bangfu.procurement.services.cap import (
    CapExceeded,
    cap_figures,
    cap_lock,
    fund_set,
    require_role,
)
from bangfu.procurement.services.deliveries import delivery_record, record_service
from bangfu.procurement.services.evaluation import evaluation_record, scheme_for
from bangfu.procurement.services.projects import (
    PROJECT_FIELDS,
    FilingRequired,
    InvalidTransition,
    filing_record,
    payment_record,
    project_approve,
    project_close,
    project_create,
    project_return,
    project_start,
    project_submit,
    project_update,
)

__all__ = [
    "PROJECT_FIELDS",
    "CapExceeded",
    "FilingRequired",
    "InvalidTransition",
    "cap_figures",
    "cap_lock",
    "delivery_record",
    "evaluation_record",
    "filing_record",
    "fund_set",
    "payment_record",
    "project_approve",
    "project_close",
    "project_create",
    "project_return",
    "project_start",
    "project_submit",
    "project_update",
    "record_service",
    "require_role",
    "scheme_for",
]
