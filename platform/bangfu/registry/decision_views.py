"""The pages of status decisions: the reviewers' queue, a decision with its evidence and the
reviewer's confirm and reject forms, and the recommendation form of a household.

A decision is read through ``StatusDecision.objects.for_user`` (another area's is a 404);
only ``registry.coverage`` writes, and it is what says who may recommend and who may confirm
(003: 「审核确认权下放至乡镇（街道）」). The pages show what the reviewer decides on: the
evidence the assistant gave and the calculator's figures, people masked as in every list.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.scoping import require_registry_area
from bangfu.core.keyset import keyset_page
from bangfu.core.views import service_call
from bangfu.registry import coverage, decision_rights, hooks, selectors
from bangfu.registry.decision_forms import (
    ConfirmForm,
    DecisionFilterForm,
    RecommendForm,
    RejectForm,
)
from bangfu.registry.models import Household, StatusDecision

PAGE_SIZE = 25


def decisions_for(user) -> QuerySet[StatusDecision]:
    """The decisions the user may read, with what their pages show."""
    return StatusDecision.objects.for_user(user).select_related(
        "household__region__parent", "member", "recommended_by", "decided_by"
    )


def figure_rows(figures: dict) -> list[tuple[str, str]]:
    """The calculator's figures as (label, value) rows, named and formatted by the app that
    computed them; by their keys if no app knows them."""
    for source in hooks.decision_figures:
        rows = source(figures)
        if rows is not None:
            return rows
    return [(key.replace("_", " "), str(value)) for key, value in figures.items()]


def evidence_rows(decision: StatusDecision, user) -> list[tuple[str, str, str]]:
    """What the recommender found, as the apps above know it (a warning, a verification)."""
    return [row for source in hooks.decision_evidence for row in source(decision, user)]


def coverage_context(household: Household, members: list, user) -> dict:
    """The household page's "Coverage" block: the household's own status, each member's,
    the recommendations waiting for the township and the decisions taken."""
    read = getattr(household, "page_decisions", None)  # read by the household page
    decisions = decision_rights.decisions_with_permissions(
        user, decisions_for(user).filter(household=household) if read is None else read
    )
    return {
        "covered_members": [m for m in members if m.personal_status != "none"],
        "pending_decisions": [d for d in decisions if d.state == StatusDecision.State.PROPOSED],
        "decided": [d for d in decisions if d.state != StatusDecision.State.PROPOSED],
        "may_recommend": decision_rights.may_recommend(user, household),
    }


@never_cache
@login_required
@require_GET
def decision_list(request):
    """The reviewers' queue: recommendations waiting in the user's area, oldest first; the
    filter opens the history (confirmed, rejected) to everyone who reads the registry."""
    require_registry_area(request.user)
    form = DecisionFilterForm(request.GET or {"state": StatusDecision.State.PROPOSED})
    decisions = decisions_for(request.user)
    state = kind = ""
    if form.is_valid():
        state, kind = form.cleaned_data["state"], form.cleaned_data["kind"]
    if state:
        decisions = decisions.filter(state=state)
    if kind:
        decisions = decisions.filter(kind=kind)
    order = (
        ("created_at", "pk") if state == StatusDecision.State.PROPOSED else ("-created_at", "-pk")
    )
    page = keyset_page(request, decisions.order_by(*order), per_page=PAGE_SIZE)
    page.object_list = decision_rights.decisions_with_permissions(request.user, page.object_list)
    return render(
        request,
        "registry/decision_list.html",
        {
            "form": form,
            "page_obj": page,
            "decisions": page.object_list,
            "state": state,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def decision_detail(request, pk: int):
    """A decision; for its reviewer the forms that confirm it (with the benefits system's
    reference) or reject it (with a reason)."""
    require_registry_area(request.user)
    decision = get_object_or_404(decisions_for(request.user), pk=pk)
    may_confirm = decision_rights.may_confirm(request.user, decision)
    action = request.POST.get("action") if request.method == "POST" else None
    confirm_form = ConfirmForm(
        request.POST if action == "confirm" else None, decision=decision, prefix="confirm"
    )
    reject_form = RejectForm(request.POST if action == "reject" else None, prefix="reject")
    if request.method == "POST":
        if not may_confirm:
            raise PermissionDenied(_("Only the township's reviewer confirms this decision."))
        if (
            action == "confirm"
            and confirm_form.is_valid()
            and _confirm(request, decision, confirm_form)
        ):
            messages.success(request, _("The decision is confirmed and recorded."))
            return redirect("registry:household-detail", pk=decision.household_id)
        if (
            action == "reject"
            and reject_form.is_valid()
            and _reject(request, decision, reject_form)
        ):
            messages.success(request, _("The recommendation is rejected."))
            return redirect("registry:decision-list")
    return render(
        request,
        "registry/decision_detail.html",
        {
            "decision": decision,
            "household": decision.household,
            "may_confirm": may_confirm,
            "confirm_form": confirm_form,
            "reject_form": reject_form,
            "evidence": evidence_rows(decision, request.user),
            "figures": figure_rows(decision.figures),
        },
    )


def _confirm(request, decision: StatusDecision, form: ConfirmForm) -> bool:
    data = form.cleaned_data
    return bool(
        service_call(
            request,
            lambda: coverage.decision_confirm(
                by=request.user,
                decision=decision,
                reference=data["reference"],
                effective_on=data["effective_on"],
                note=data["note"],
                gradual_exit_months=data.get("gradual_exit_months"),
            ),
            form=form,
        )
    )


def _reject(request, decision: StatusDecision, form: RejectForm) -> bool:
    return bool(
        service_call(
            request,
            lambda: coverage.decision_reject(
                by=request.user, decision=decision, reason=form.cleaned_data["reason"]
            ),
            form=form,
        )
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def decision_recommend(request, pk: int):
    """The recommendation form of a household: sent to the township, it changes nothing yet."""
    household = get_object_or_404(selectors.households_for(request.user), pk=pk)
    if not decision_rights.may_recommend(request.user, household):
        raise PermissionDenied(_("Your role cannot recommend a change of status."))
    form = RecommendForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = service_call(
            request,
            lambda: coverage.decision_recommend(
                by=request.user,
                household=household,
                member=data["member"],
                kind=data["kind"],
                to_status=data["to_status"],
                source=StatusDecision.Source.REVIEW,
                note=data["note"],
                exit_reason=data["exit_reason"],
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("The recommendation is sent to the township."))
            return redirect("registry:decision-detail", pk=outcome.value.pk)
    return render(
        request, "registry/decision_recommend.html", {"form": form, "household": household}
    )
