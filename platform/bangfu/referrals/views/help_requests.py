"""The desk's pages for public help requests: the list of the user's area, a request's page with
its triage (acknowledge, calls, household, refer, close) and the printable transfer slip (转办单)
of one passed to another department."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bangfu.accounts.scoping import scope_for
from bangfu.core.views import service_call
from bangfu.referrals import help_selectors as selectors
from bangfu.referrals.help_forms import CloseForm, ContactAttemptForm, HouseholdForm
from bangfu.referrals.help_progress import STAGES, outcome_wording, progress
from bangfu.referrals.models import HelpRequest
from bangfu.referrals.public_intake import normalise_code
from bangfu.referrals.services import help_requests as services
from bangfu.referrals.views.common import require_staff_area, reveal_caller

LIST_TABS = (
    ("new", HelpRequest.Status.NEW),
    ("acknowledged", HelpRequest.Status.ACKNOWLEDGED),
    ("closed", HelpRequest.Status.CLOSED),
)
LIST_SIZE = 100


@never_cache
@login_required
def help_request_list(request):
    require_staff_area(request.user)
    tab = request.GET.get("status", "new")
    status = dict(LIST_TABS).get(tab, HelpRequest.Status.NEW)
    requests = selectors.help_requests_for(request.user)
    counts = selectors.help_request_counts(request.user)
    return render(
        request,
        "referrals/help/list.html",
        {
            "rows": requests.filter(status=status).order_by(
                "submitted_at" if status != HelpRequest.Status.CLOSED else "-closed_at", "pk"
            )[:LIST_SIZE],
            "tabs": [(key, label, counts.get(key, 0)) for key, label in _tab_labels()],
            "tab": tab if tab in dict(LIST_TABS) else "new",
        },
    )


def _tab_labels():
    return (
        ("new", _("New")),
        ("acknowledged", _("Being handled")),
        ("closed", _("Closed")),
    )


def _help_request(request, pk: int) -> HelpRequest:
    require_staff_area(request.user)
    return get_object_or_404(selectors.help_requests_for(request.user), pk=pk)


@never_cache
@login_required
def help_request_detail(
    request, pk: int, *, contact_form=None, household_form=None, close_form=None, status=200
):
    help_request = _help_request(request, pk)
    scope = scope_for(request.user)
    stage, happened = progress(help_request)
    return render(
        request,
        "referrals/help/detail.html",
        {
            "help": help_request,
            "intake": help_request.intake,
            "can_write": scope.can_write and help_request.status != HelpRequest.Status.CLOSED,
            "can_reveal": reveal_caller(request.user, help_request.intake),
            "stage_label": dict(STAGES)[stage],
            "steps": [(label, happened.get(key)) for key, label in STAGES],
            "outcome": outcome_wording(help_request),
            "attempts": help_request.contact_attempts.select_related("by"),
            "failed_attempts": help_request.contact_attempts.filter(reached=False).count(),
            "attempts_needed": services.unreachable_after(help_request, timezone.now()),
            "texts": [(dict(STAGES)[text.step], text) for text in help_request.messages.all()],
            "contact_form": contact_form or ContactAttemptForm(),
            "household_form": household_form or HouseholdForm(),
            "close_form": close_form or CloseForm(),
        },
        status=status,
    )


@login_required
@require_POST
def help_request_acknowledge(request, pk: int):
    help_request = _help_request(request, pk)
    service_call(
        request,
        lambda: services.help_request_acknowledge(help_request=help_request, by=request.user),
        success=_("Acknowledged: the requester is told that the township has the request."),
    )
    return redirect("referrals:help-detail", help_request.pk)


@login_required
@require_POST
def contact_attempt_create(request, pk: int):
    help_request = _help_request(request, pk)
    form = ContactAttemptForm(request.POST)
    if form.is_valid() and service_call(
        request,
        lambda: services.contact_attempt_log(
            help_request=help_request,
            by=request.user,
            reached=form.cleaned_data["reached"] == "yes",
            note=form.cleaned_data["note"],
        ),
        form=form,
        success=_("The call is recorded."),
    ):
        return redirect("referrals:help-detail", help_request.pk)
    return help_request_detail(request, pk, contact_form=form, status=400)


@login_required
@require_POST
def help_request_household(request, pk: int):
    """Link the request's case to the household chosen with the registry's search."""
    help_request = _help_request(request, pk)
    form = HouseholdForm(request.POST, user=request.user)
    if form.is_valid() and service_call(
        request,
        lambda: services.help_request_attach_household(
            help_request=help_request, household=form.cleaned_data["household"], by=request.user
        ),
        form=form,
        success=_("The household is linked: record or pick its need in the case to refer it."),
    ):
        return redirect("referrals:help-detail", help_request.pk)
    return help_request_detail(request, pk, household_form=form, status=400)


@login_required
@require_POST
def help_request_close(request, pk: int):
    help_request = _help_request(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        original = None
        if data["duplicate_of"]:
            original = (
                selectors.help_requests_for(request.user)
                .filter(code=normalise_code(data["duplicate_of"]))
                .first()
            )
        if service_call(
            request,
            lambda: services.help_request_close(
                help_request=help_request,
                by=request.user,
                reason=data["reason"],
                details=data["details"],
                department=data["department"],
                duplicate_of=original,
            ),
            form=form,
            success=_("The request is closed: the requester is told why."),
        ):
            return redirect("referrals:help-detail", help_request.pk)
    return help_request_detail(request, pk, close_form=form, status=400)


@never_cache
@login_required
def help_request_transfer_slip(request, pk: int):
    """The transfer slip (转办单) to print and send with a request passed to another department."""
    help_request = _help_request(request, pk)
    if not scope_for(request.user).can_write:
        raise PermissionDenied(_("Your role cannot hand requests to other departments."))
    if help_request.close_reason != HelpRequest.CloseReason.OTHER_DEPARTMENT:
        raise Http404(_("Only a request passed to another department has a slip."))
    return render(
        request,
        "referrals/help/transfer_slip.html",
        {
            "help": help_request,
            "intake": help_request.intake,
            "can_reveal": reveal_caller(request.user, help_request.intake),
        },
    )
