"""Who does what in procurement: staff draft and run projects, managers approve, auditors read."""

from bangfu.accounts.models import Membership

Role = Membership.Role

EDIT_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_MANAGER)
APPROVE_ROLES = (Role.BUREAU_MANAGER,)
READ_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.AUDITOR)
