"""Exporting the household list: the masked file at once, the export page (unmasked on
purpose), the page and download of an export prepared in the background, and the blank ledger.

The rules are the ``exports`` service's; these views parse the request and shape the answer.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.core.db_router import replica_view
from bangfu.core.spreadsheets import XLSX, xlsx_response
from bangfu.core.views import service_call
from bangfu.registry import exports, selectors
from bangfu.registry.filters import HouseholdFilter
from bangfu.registry.forms import HouseholdExportForm
from bangfu.registry.ledger import export_households
from bangfu.registry.models import Household

# Fields of the export form, not filters of the list.
_FORM_FIELDS = {"csrfmiddlewaretoken", "unmasked", "purpose", "page"}


def _filtered(request, data) -> HouseholdFilter:
    return HouseholdFilter(data, queryset=selectors.household_list(request.user), request=request)


def _households(filterset: HouseholdFilter):
    # The ledger prefetches members in its own order: drop the list page's prefetch.
    return filterset.qs.prefetch_related(None)


def _filter_query(data):
    query = data.copy()
    for name in _FORM_FIELDS:
        query.pop(name, None)
    return query


def _xlsx(content: bytes):
    return xlsx_response(content, f"households-{timezone.localdate():%Y%m%d}.xlsx")


@never_cache
@login_required
@require_GET
@replica_view
def household_export(request):
    """The filtered list as a masked .xlsx ledger, for every role. A list too long for one
    request goes to the export page, where it is started in the background."""
    filterset = _filtered(request, request.GET)
    households = _households(filterset)
    rights = exports.export_rights(request.user)
    if exports.runs_in_background(rights, exports.ledger_rows(households)):
        query = _filter_query(request.GET).urlencode()
        return redirect(f"{reverse('registry:household-export-page')}?{query}")
    return _xlsx(exports.households_export(households=households, by=request.user))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@replica_view
def household_export_page(request):
    """What an export of the filtered list will hold, and the form for an unmasked one.

    The form is posted, filters and purpose in its body: nothing of it reaches a URL.
    """
    data = request.POST if request.method == "POST" else request.GET
    filterset = _filtered(request, data)
    households = _households(filterset)
    rights = exports.export_rights(request.user)
    rows = exports.ledger_rows(households)
    background = exports.runs_in_background(rights, rows)
    form = HouseholdExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        options = {
            "households": households,
            "by": request.user,
            "unmasked": form.cleaned_data["unmasked"],
            "purpose": form.cleaned_data["purpose"],
            "filters": exports.describe_filters(filterset),
        }
        export = exports.households_export_start if background else exports.households_export
        outcome = service_call(request, lambda: export(**options), form=form)
        if outcome and background:
            return redirect("registry:household-export-job", pk=outcome.value.pk)
        if outcome:
            return _xlsx(outcome.value)
    return render(
        request,
        "registry/household_export.html",
        {
            "form": form,
            "filters": list(_filter_query(data).lists()),
            "query": _filter_query(data).urlencode(),
            "households": households.count(),
            "rows": rows,
            "background": background,
            "rights": rights,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_GET
def ledger_template(request):
    """An empty ledger with the column headers, to fill in and import."""
    return xlsx_response(export_households(Household.objects.none()), "ledger-template.xlsx")


@never_cache
@login_required
@require_GET
def household_export_job(request, pk: int):
    """An export prepared in the background: its progress (polled by htmx), then its file."""
    job = get_object_or_404(exports.export_jobs(request.user), pk=pk)
    template = (
        "registry/partials/export_progress.html"
        if request.htmx
        else "registry/household_export_job.html"
    )
    return render(request, template, {"job": job})


@never_cache
@login_required
@require_GET
def household_export_download(request, pk: int):
    job = get_object_or_404(exports.export_jobs(request.user), pk=pk)
    return FileResponse(
        exports.export_job_download(job=job, by=request.user),
        as_attachment=True,
        filename=f"households-{timezone.localtime(job.created_at):%Y%m%d}.xlsx",
        content_type=XLSX,
    )
