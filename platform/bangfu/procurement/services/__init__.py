"""The only code that writes procurement data. Each service is one transaction; the modules
hold funds and the cap, projects, filings, deliveries and evaluation."""

from bangfu.procurement.services.cap import (
    CapExceeded,
    cap_figures,
    cap_lock,
    fiscal_unit,
    fund_set,
    headroom_of,
    headroom_warning,
    require_role,
)
from bangfu.procurement.services.deliveries import delivery_record, record_service
from bangfu.procurement.services.evaluation import evaluation_record, scheme_for
from bangfu.procurement.services.filings import (
    filing_acknowledge,
    filing_may_send,
    filing_return,
    filing_send,
)
from bangfu.procurement.services.projects import (
    PROJECT_FIELDS,
    FilingRequired,
    InvalidTransition,
    payment_record,
    project_approve,
    project_close,
    project_create,
    project_return,
    project_start,
    project_submit,
    project_update,
    record_refusal,
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
    "filing_acknowledge",
    "filing_may_send",
    "filing_return",
    "filing_send",
    "fiscal_unit",
    "fund_set",
    "headroom_of",
    "headroom_warning",
    "payment_record",
    "project_approve",
    "project_close",
    "project_create",
    "project_return",
    "project_start",
    "project_submit",
    "project_update",
    "record_refusal",
    "record_service",
    "require_role",
    "scheme_for",
]
