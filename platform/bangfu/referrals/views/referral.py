from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bangfu.accounts.scoping import scope_for
from bangfu.core.views import service_call
from bangfu.referrals import selectors, services
from bangfu.referrals.forms import FeedbackForm, RevokeForm
from bangfu.referrals.models import Feedback, Referral
from bangfu.referrals.views.common import require_staff_area
from bangfu.referrals.views.intake import explain


def _referral(request, pk: int) -> Referral:
    return get_object_or_404(selectors.referrals_for(request.user), pk=pk)


def _render(request, referral, *, revoke_form=None, feedback_form=None, status=200):
    scope = scope_for(request.user)
    has_feedback = Feedback.objects.filter(referral=referral).exists()
    finished = referral.status in {Referral.Status.COMPLETED, Referral.Status.CLOSED}
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "provider_name": referral.provider.name,
            "parts": explain(referral.score_components) if referral.score_components else [],
            "events": selectors.referral_events(referral),
            "sessions": referral.sessions.select_related("category", "provided_by"),
            "feedback": referral.feedback if has_feedback else None,
            "revoke_form": revoke_form
            or (RevokeForm() if scope.can_write and referral.is_live else None),
            "feedback_form": feedback_form
            or (FeedbackForm() if scope.can_write and finished and not has_feedback else None),
            "overdue": referral.is_overdue(),
        },
        status=status,
    )


@never_cache
@login_required
def referral_detail(request, pk: int):
    scope = scope_for(request.user)
    if not scope.reads_registry and scope.is_provider:
        return redirect("portal:case", pk)
    require_staff_area(request.user)
    return _render(request, _referral(request, pk))


@login_required
@require_POST
def referral_revoke(request, pk: int):
    require_staff_area(request.user)
    referral = _referral(request, pk)
    form = RevokeForm(request.POST)
    if form.is_valid() and service_call(
        request,
        lambda: services.referral_revoke(
            referral=referral, by=request.user, note=form.cleaned_data["note"]
        ),
        form=form,
    ):
        messages.success(request, _("The referral is withdrawn; the case is back at the desk."))
        return redirect("referrals:intake-detail", referral.intake_id)
    return _render(request, referral, revoke_form=form, status=400)


@login_required
@require_POST
def feedback_create(request, pk: int):
    require_staff_area(request.user)
    referral = _referral(request, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid() and service_call(
        request,
        lambda: services.feedback_record(
            referral=referral,
            by=request.user,
            satisfaction=form.cleaned_data["satisfaction"],
            comments=form.cleaned_data["comments"],
        ),
        form=form,
    ):
        messages.success(request, _("The household's feedback is recorded."))
        return redirect("referrals:referral-detail", referral.pk)
    return _render(request, referral, feedback_form=form, status=400)
