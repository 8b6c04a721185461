from django import template

from bangfu.matching_runs.selectors import can_read_runs

register = template.Library()


@register.filter
def sees_matching(user) -> bool:
    """Whether the navigation offers matching runs: the bureau's staff, managers, auditors."""
    return can_read_runs(user)
