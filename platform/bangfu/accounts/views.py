from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for


@login_required
@require_GET
def landing(request):
    """Where a user starts after logging in: the part of Bangfu their role works in."""
    scope = scope_for(request.user)
    if scope.reads_registry:
        return redirect("registry:household-list")
    if scope.is_provider:
        return redirect("portal:inbox")
    if Membership.Role.CHARITY_STAFF in scope.roles:
        return redirect("charity:home")
    return redirect("registry:household-list")
