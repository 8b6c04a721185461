"""The pages of 临时救助 grants: the list of what waits (proposals to decide, 先行救助 to
acknowledge) and what was granted, a grant with the forms that decide it, and the proposal form
of a household.

A grant is read through ``TemporaryGrant.objects.for_user`` (another area's is a 404); only
``registry.grants`` writes, and it is what says who may propose, decide and acknowledge.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.scoping import require_registry_area
from bangfu.core.keyset import keyset_page
from bangfu.core.views import service_call
from bangfu.registry import grants, selectors
from bangfu.registry.decision_forms import RejectForm
from bangfu.registry.decision_rights import may_recommend
from bangfu.registry.grant_forms import DecideForm, GrantForm, RecordForm
from bangfu.registry.grants import TemporaryGrant

PAGE_SIZE = 25


@never_cache
@login_required
@require_GET
def grant_list(request):
    """Proposals waiting for a decision (oldest first), the township's 先行救助 waiting for the
    county to acknowledge them, then the grants decided, newest first."""
    require_registry_area(request.user)
    readable = grants.grants_for(request.user)
    waiting = grants.with_permissions(
        request.user, readable.proposed().order_by("created_at", "pk")
    )
    to_report = grants.with_permissions(
        request.user, readable.to_report().order_by("decided_at", "pk")
    )
    decided = readable.exclude(state=TemporaryGrant.State.PROPOSED).order_by("-decided_at", "-pk")
    page = keyset_page(request, decided, per_page=PAGE_SIZE)
    return render(
        request,
        "registry/grant_list.html",
        {
            "waiting": waiting,
            "to_report": to_report,
            "may_acknowledge": any(grant.may_acknowledge for grant in to_report),
            "page_obj": page,
            "decided": page.object_list,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def grant_propose(request, pk: int):
    """The proposal of a grant for a household: it waits for the township or the county."""
    household = get_object_or_404(selectors.households_for(request.user), pk=pk)
    if not may_recommend(request.user, household):
        raise PermissionDenied(_("Your role cannot propose a grant for this household."))
    form = GrantForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = service_call(
            request,
            lambda: grants.grant_propose(
                by=request.user,
                household=household,
                member=data["member"],
                kind=data["kind"],
                amount=data["amount"],
                reason=data["reason"],
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("The grant is proposed to the township."))
            return redirect("registry:grant-detail", pk=outcome.value.pk)
    return render(
        request,
        "registry/grant_form.html",
        {
            "form": form,
            "household": household,
            "limit": grants.first_aid_limit(household.region),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def grant_record(request, pk: int):
    """先行救助: the township's reviewer (or the county's manager) grants at once, in one step."""
    household = get_object_or_404(selectors.households_for(request.user), pk=pk)
    if not grants.may_record(request.user, household):
        raise PermissionDenied(_("Your role cannot grant for this household at once."))
    form = RecordForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = service_call(
            request,
            lambda: grants.grant_record(
                by=request.user,
                household=household,
                member=data["member"],
                kind=data["kind"],
                amount=data["amount"],
                reason=data["reason"],
                granted_on=data["granted_on"],
                reference=data["reference"],
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("The grant is given and recorded."))
            return redirect("registry:household-detail", pk=household.pk)
    return render(
        request,
        "registry/grant_form.html",
        {
            "form": form,
            "household": household,
            "limit": grants.first_aid_limit(household.region),
            "record": True,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def grant_detail(request, pk: int):
    """A grant; for whoever may decide it the forms that grant or reject it, and for the county
    the acknowledgement of a 先行救助 grant."""
    require_registry_area(request.user)
    grant = get_object_or_404(grants.grants_for(request.user), pk=pk)
    (grant,) = grants.with_permissions(request.user, [grant])
    action = request.POST.get("action") if request.method == "POST" else None
    decide_form = DecideForm(
        request.POST if action == "decide" else None, grant=grant, prefix="decide"
    )
    reject_form = RejectForm(request.POST if action == "reject" else None, prefix="reject")
    if action in {"decide", "reject"} and not grant.may_decide:
        raise PermissionDenied(_("Your role cannot decide this grant."))
    if action == "report":
        if not grant.may_acknowledge:
            raise PermissionDenied(_("Only the county's bureau manager acknowledges first aid."))
        if service_call(request, lambda: grants.grant_report(by=request.user, grant=grant)):
            messages.success(request, _("The first aid is acknowledged for the county."))
        return redirect("registry:grant-list")
    if action == "decide" and decide_form.is_valid():
        data = decide_form.cleaned_data
        if service_call(
            request,
            lambda: grants.grant_decide(
                by=request.user,
                grant=grant,
                reference=data["reference"],
                granted_on=data["granted_on"],
            ),
            form=decide_form,
        ):
            messages.success(request, _("The grant is decided and recorded."))
            return redirect("registry:household-detail", pk=grant.household_id)
    elif action == "reject" and reject_form.is_valid():
        reason = reject_form.cleaned_data["reason"]
        outcome = service_call(
            request,
            lambda: grants.grant_reject(by=request.user, grant=grant, reason=reason),
            form=reject_form,
        )
        if outcome:
            messages.success(request, _("The grant is rejected."))
            return redirect("registry:grant-list")
    return render(
        request,
        "registry/grant_detail.html",
        {
            "grant": grant,
            "household": grant.household,
            "decide_form": decide_form,
            "reject_form": reject_form,
        },
    )
