from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for
from bangfu.core.todos import todos_for

Role = Membership.Role

# Roles with work of their own to do; auditors only read, charities have their own pages.
TODO_ROLES = set(Role.values) - {Role.AUDITOR, Role.CHARITY_STAFF}


@never_cache
@login_required
@require_GET
def landing(request):
    """Where a user starts after logging in: their to-do list, most urgent and most overdue
    first; those with nothing of their own to do go to the part of Bangfu they read."""
    scope = scope_for(request.user)
    if scope.everything or scope.roles & TODO_ROLES:
        now = timezone.now()
        todos = todos_for(request.user, now)
        groups: dict[str, int] = {}
        for todo in todos:
            groups[todo.group] = groups.get(todo.group, 0) + todo.count
        return render(
            request,
            "accounts/start.html",
            {
                "todos": todos,
                "groups": sorted(groups.items()),
                "urgent": sum(todo.count for todo in todos if todo.urgent),
                "now": now,
            },
        )
    if Role.CHARITY_STAFF in scope.roles and not scope.reads_registry:
        return redirect("charity:home")
    return redirect("registry:household-list")
