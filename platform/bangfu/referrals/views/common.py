from auditlog.signals import accessed

from bangfu.accounts.scoping import require_registry_area, scope_for
from bangfu.referrals.models import IntakeCase

# Pages of the intake desk and the dashboard are for people with an area of the registry.
require_staff_area = require_registry_area


def reveal_caller(user, intake: IntakeCase) -> bool:
    """Whether a page shows the case's caller (name, phone) in clear to ``user``; others see
    them masked. Showing them is an audited access of the case, as reading a household's file
    is."""
    if not scope_for(user).can_reveal_identity:
        return False
    if intake.caller_name or intake.caller_phone:
        accessed.send(IntakeCase, instance=intake)
    return True
