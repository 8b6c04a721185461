"""The providers' side: a station's or an agency's inbox and cases, a volunteer's task list.

Everything is read through ``selectors.provider_referrals``: a referral sent to another station
(or another volunteer) is a 404, whatever else the user may see.

With htmx, answering and logging a session change the page in place: from the inbox the row is
swapped, from the case page the case's body (``CASE_TARGET``), so a phone on a slow network
keeps its place. Without JavaScript the same forms post and redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bangfu.accounts.scoping import scope_for
from bangfu.core import filter_panel
from bangfu.core.keyset import keyset_page
from bangfu.core.views import service_call
from bangfu.referrals import dashboards as dashboards_of
from bangfu.referrals import selectors, services
from bangfu.referrals.forms import CloseForm, CompleteForm, DeclineForm, ReferralFilter, SessionForm
from bangfu.referrals.models import Referral

PAGE_SIZE = 25
# The id of the case page's swappable body (portal/_case.html): htmx names it in HX-Target.
CASE_TARGET = "case"


def decline_reasons() -> str:
    """The options of the reasons to decline, rendered once a page for every row's form
    (``_actions.jinja``), in the interface language."""
    return format_html_join(
        "", '<option value="{}">{}</option>', DeclineForm.base_fields["reason"].choices
    )


def _require_provider(user) -> None:
    if not scope_for(user).is_provider:
        raise PermissionDenied(_("The portal is for station staff, agency staff and volunteers."))


def _case(request, pk: int) -> Referral:
    return get_object_or_404(selectors.provider_referrals(request.user), pk=pk)


def _is_volunteer_view(user) -> bool:
    scope = scope_for(user)
    return scope.volunteer_user_id is not None and not (
        scope.station_organisation_ids or scope.agency_organisation_ids
    )


@never_cache
@login_required
@require_GET
def inbox(request):
    _require_provider(request.user)
    filterset = ReferralFilter(request.GET or None, queryset=selectors.portal_rows(request.user))
    if filter_panel.form_alone(request):
        return render(request, "referrals/portal/_filters.html", {"filter": filterset})
    page = keyset_page(request, selectors.urgent_first(filterset.qs), per_page=PAGE_SIZE)
    template = (
        "referrals/portal/tasks.html"
        if _is_volunteer_view(request.user)
        else "referrals/portal/inbox.html"
    )
    return render(
        request,
        template,
        {
            "filter": filterset,
            "panel": filter_panel.filter_panel(
                request, applied=filter_panel.filters_applied(request, filterset.filters)
            ),
            "page_obj": page,
            "dashboards": _dashboards(request.user),
            "decline_reasons": decline_reasons(),
        },
    )


def _dashboards(user) -> list:
    """Each provider the user answers for, by name, with its figures."""
    return [
        (provider.name, dashboards_of.provider_dashboard(provider))
        for provider in selectors.providers_of(user)
    ]


def _with_summary(request, response):
    """``response`` (a row of the inbox or a task, swapped in place) followed by the provider's
    figures out of band: an answer changes what they count."""
    response.write(
        render_to_string(
            "referrals/portal/_summary.html",
            {
                "dashboards": _dashboards(request.user),
                "as_task": _is_volunteer_view(request.user),
                "oob": True,
            },
            request=request,
        )
    )
    return response


def _row(request, referral: Referral, *, error: str = "", status: int = 200):
    template = (
        "referrals/portal/_task.jinja"
        if _is_volunteer_view(request.user)
        else "referrals/portal/_row.jinja"
    )
    referral = selectors.portal_rows(request.user).filter(pk=referral.pk).first()
    return _with_summary(
        request,
        render(
            request,
            template,
            {"referral": referral, "row_error": error, "decline_reasons": decline_reasons()},
            status=status,
        ),
    )


def _on_case_page(request) -> bool:
    return bool(request.htmx) and request.htmx.target == CASE_TARGET


@login_required
@require_POST
def accept(request, pk: int):
    """One click: with htmx the row or the case's body is swapped in place, otherwise back to
    the case."""
    _require_provider(request.user)
    referral = _case(request, pk)
    on_case = _on_case_page(request)
    in_row = bool(request.htmx) and not on_case
    outcome = service_call(
        request,
        lambda: services.referral_accept(referral=referral, by=request.user),
        success="" if in_row else _("Accepted. The household's contact details are shown now."),
        show=not in_row,
    )
    if in_row:
        return _row(request, referral, error=" ".join(outcome.messages))
    if on_case:
        return _render_case(request, _case(request, pk))
    return redirect("portal:case", referral.pk)


@login_required
@require_POST
def decline(request, pk: int):
    _require_provider(request.user)
    referral = _case(request, pk)
    on_case = _on_case_page(request)
    form = DeclineForm(request.POST)
    if form.is_valid():
        outcome = service_call(
            request,
            lambda: services.referral_decline(
                referral=referral,
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            show=False,
        )
        error = " ".join(outcome.messages)
    else:
        error = _("Choose a reason for declining.")
    if request.htmx:
        if not error:
            # Declined, the case is no longer the provider's to read: only the outcome is shown.
            declined = render(
                request,
                "referrals/portal/_declined.html",
                {
                    "referral": referral,
                    "as_task": _is_volunteer_view(request.user),
                    "on_case": on_case,
                },
            )
            return declined if on_case else _with_summary(request, declined)
        if on_case:
            messages.error(request, error)
            return _render_case(request, _case(request, pk))
        return _row(request, referral, error=error)
    if error:
        messages.error(request, error)
        return redirect("portal:case", referral.pk)
    messages.success(request, _("Declined. The case went back to the intake desk."))
    return redirect("portal:inbox")


def _render_case(request, referral, *, status=200, **forms):
    """The case page, or only its body when htmx swaps it in place (messages inside it then,
    and a refused form answered 200: htmx swaps no 4xx answer)."""
    sheet = selectors.service_sheet(referral)
    log = selectors.session_log(referral)
    context = {
        "referral": referral,
        "sheet": sheet,
        "sessions": log.sessions,
        "counts_service": log.counts_service,
        "events": selectors.referral_events(referral),
        "overdue": referral.is_overdue(),
        "decline_reasons": decline_reasons(),
    }
    if referral.status in Referral.HOLDING:
        context["session_form"] = forms.get("session_form") or SessionForm(referral=referral)
        context["close_form"] = forms.get("close_form") or CloseForm()
    if referral.status == Referral.Status.IN_SERVICE:
        context["complete_form"] = forms.get("complete_form") or CompleteForm()
    if _on_case_page(request):
        context["fragment"] = True
        return render(request, "referrals/portal/_case.html", context)
    return render(request, "referrals/portal/case.html", context, status=status)


@never_cache
@login_required
@require_GET
def case(request, pk: int):
    _require_provider(request.user)
    return _render_case(request, _case(request, pk))


@login_required
@require_POST
def session_create(request, pk: int):
    _require_provider(request.user)
    referral = _case(request, pk)
    form = SessionForm(request.POST, referral=referral)
    if form.is_valid() and service_call(
        request,
        lambda: services.service_session_log(
            referral=referral, by=request.user, **form.cleaned_data
        ),
        form=form,
    ):
        messages.success(request, _("The session is logged."))
        if _on_case_page(request):
            return _render_case(request, _case(request, pk))
        return redirect("portal:case", referral.pk)
    return _render_case(request, referral, session_form=form, status=400)


@login_required
@require_POST
def complete(request, pk: int):
    _require_provider(request.user)
    referral = _case(request, pk)
    form = CompleteForm(request.POST)
    if form.is_valid() and service_call(
        request,
        lambda: services.referral_complete(
            referral=referral, by=request.user, outcome=form.cleaned_data["outcome"]
        ),
        form=form,
    ):
        messages.success(request, _("The case is completed. Thank you."))
        return redirect("portal:case", referral.pk)
    return _render_case(request, referral, complete_form=form, status=400)


@login_required
@require_POST
def close(request, pk: int):
    _require_provider(request.user)
    referral = _case(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid() and service_call(
        request,
        lambda: services.referral_close(
            referral=referral,
            by=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        ),
        form=form,
    ):
        messages.success(request, _("The case is closed."))
        return redirect("portal:inbox")
    return _render_case(request, referral, close_form=form, status=400)
