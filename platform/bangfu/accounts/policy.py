"""Who may read and set policy values (the regions app holds them but knows no roles): bureau
staff, managers and auditors read the policy of their bureau's region and of the regions below
it; a bureau manager sets it, per membership (``holds_role_over``). Registered on import, when
the regions app discovers every app's ``policy`` module."""

from bangfu.accounts.scoping import Role, holds_role_over, regions_for
from bangfu.regions.models import Region
from bangfu.regions.policy import PolicyAccess, register_policy_access


def may_change(user, region: Region) -> bool:
    return holds_role_over(user, (Role.BUREAU_MANAGER,), region)


register_policy_access(PolicyAccess(readable_regions=regions_for, may_change=may_change))
