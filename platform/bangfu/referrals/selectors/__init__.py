"""Reads of intake cases and referrals: scoped to the user, with the joins their pages need.

One module a subject: what the matching engine reads (``engine``), providers and the people
behind them (``people``), the order of every list (``order``), the intake desk (``intake``), and
referrals, their sessions and sheets and the notifications (``cases``). The app's other modules
read them as ``selectors.<name>``: the names below."""

from bangfu.referrals.selectors.cases import (
    PersonSheet,
    ServiceSheet,
    SessionLog,
    notifications_for,
    portal_referrals,
    portal_rows,
    provider_names,
    provider_referrals,
    referral_events,
    referrals_for,
    satisfaction_by_provider,
    service_sheet,
    session_log,
    unread_count,
)
from bangfu.referrals.selectors.engine import (
    current_providers,
    declined_pairs,
    households_in_care,
    open_case_counts,
    provider_outcomes,
)
from bangfu.referrals.selectors.intake import (
    intake_by_reference,
    intake_candidates,
    intake_cases_for,
    needs_awaiting_intake,
    not_proposed,
    referred_cases,
    refused_providers,
    waiting_cases,
)
from bangfu.referrals.selectors.order import (
    URGENCY_ORDER,
    current_due,
    urgency_rank,
    urgent_first,
)
from bangfu.referrals.selectors.people import (
    DESK_ROLES,
    county_staff,
    holding_count,
    kind_accepts,
    provider_users,
    providers_of,
    township_staff,
)

__all__ = [
    "DESK_ROLES",
    "URGENCY_ORDER",
    "PersonSheet",
    "ServiceSheet",
    "SessionLog",
    "county_staff",
    "current_due",
    "current_providers",
    "declined_pairs",
    "holding_count",
    "households_in_care",
    "intake_by_reference",
    "intake_candidates",
    "intake_cases_for",
    "kind_accepts",
    "needs_awaiting_intake",
    "not_proposed",
    "notifications_for",
    "open_case_counts",
    "portal_referrals",
    "portal_rows",
    "provider_names",
    "provider_outcomes",
    "provider_referrals",
    "provider_users",
    "providers_of",
    "referral_events",
    "referrals_for",
    "referred_cases",
    "refused_providers",
    "satisfaction_by_provider",
    "service_sheet",
    "session_log",
    "township_staff",
    "unread_count",
    "urgency_rank",
    "urgent_first",
    "waiting_cases",
]
