"""Who may read and set policy values (the regions app holds them but knows no roles): bureau
staff, managers and auditors read the policy of their bureau's region and of the regions below
it; a bureau manager sets it, per membership (``holds_role_over``). Registered on import, when
the regions app discovers every app's ``policy`` module."""

from bangfu.accounts.scoping import Role, holds_role_over, regions_for, scope_for
from bangfu.regions.models import Region
from bangfu.regions.policy import PolicyAccess, register_policy_access


def may_change(user, region: Region) -> bool:
    return holds_role_over(user, (Role.BUREAU_MANAGER,), region)


def may_read(user) -> bool:
    """A bureau role reaches at least its own region (a county or above): the user's scope,
    computed once per request, answers without a query."""
    scope = scope_for(user)
    return scope.everything or bool(scope.region_paths)


register_policy_access(
    PolicyAccess(readable_regions=regions_for, may_change=may_change, may_read=may_read)
)
