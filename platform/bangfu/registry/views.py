"""The staff interface of the household registry.

Views parse input, call one selector or service and shape the output. Reads go through
``selectors`` (scoped to the user, so another area's household is a 404); writes through
``services`` (the only write path), whose ValidationErrors are shown on the field they name.
"""

from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.scoping import scope_for
from bangfu.core import filter_panel
from bangfu.core.keyset import CURSOR, keyset_page
from bangfu.core.models import BackgroundJob
from bangfu.core.views import service_call
from bangfu.regions.policy import keep_policy_reads
from bangfu.registry import hooks, selectors, services, timeline
from bangfu.registry.decision_views import coverage_context
from bangfu.registry.filters import HouseholdFilter, search_query
from bangfu.registry.forms import (
    AssessmentForm,
    HouseholdForm,
    LedgerImportForm,
    MemberForm,
    MemberUpdateForm,
    NeedForm,
    NeedFormSet,
    NeedUpdateForm,
)
from bangfu.registry.grants import grants_context
from bangfu.registry.ledger.jobs import ledger_import_jobs, ledger_import_submit, ledger_job_report
from bangfu.registry.models import Household

PAGE_SIZE = 25
# Entries of a household's timeline shown before "show all".
TIMELINE_SHOWN = 30
SORTABLE_COLUMNS = ("number", "members", "priority", "review")
DESCENDING_FIRST = {"members", "priority"}


def _require_write(request) -> None:
    if not scope_for(request.user).can_write:
        raise PermissionDenied(_("Your role cannot change the registry."))


def _sort_links(request, current: str) -> dict[str, dict]:
    """For each sortable column: the query string that sorts by it (toggling direction)."""
    links = {}
    for column in SORTABLE_COLUMNS:
        query = request.GET.copy()
        query.pop(CURSOR, None)
        direction = None
        if current == column:
            direction, query["sort"] = "ascending", f"-{column}"
        elif current == f"-{column}":
            direction, query["sort"] = "descending", column
        else:
            query["sort"] = f"-{column}" if column in DESCENDING_FIRST else column
        links[column] = {"query": query.urlencode(), "direction": direction}
    return links


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def household_list(request):
    if request.method == "POST":
        # The filter form is posted so that an ID or phone number searched for stays out of
        # the URL: the list is shown at a URL that names the search by a token.
        return redirect(f"{request.path}?{search_query(request).urlencode()}")
    households, shown = selectors.household_list_page(request.user)
    filterset = HouseholdFilter(request.GET, queryset=households, request=request)
    query = request.GET.copy()
    query.pop(CURSOR, None)
    query.pop("page", None)  # of a link bookmarked before pages went by key
    query.pop(filter_panel.WANTED, None)
    is_filtered = any(value for key, value in query.items() if key != "sort")
    if filter_panel.form_alone(request):
        return render(
            request,
            "registry/partials/household_filters.html",
            {"filter": filterset, "is_filtered": is_filtered},
        )
    rows = selectors.household_list_rows(filterset.qs, shown)
    page = keyset_page(request, rows, per_page=PAGE_SIZE, shown=shown)
    scope = scope_for(request.user)
    return render(
        request,
        "registry/household_list.html",
        {
            "filter": filterset,
            "panel": filter_panel.filter_panel(
                request, applied=is_filtered or bool(filterset.form.errors)
            ),
            "page_obj": page,
            "households": selectors.household_rows(page.object_list, today=timezone.localdate()),
            "query": query.urlencode(),
            "is_filtered": is_filtered,
            "sort_links": _sort_links(request, request.GET.get("sort") or "number"),
            "dashboard": selectors.dashboard(request.user),
            "scope": scope,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def household_import(request):
    """A small file is imported at once; a large one goes to a background job's page. A file
    that changes registered households is previewed first, and applied once confirmed."""
    _require_write(request)
    report = None
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = service_call(
            request,
            lambda: ledger_import_submit(
                upload=data["file"],
                by=request.user,
                dry_run=data["dry_run"],
                preview_updates=True,
                expected_sha256=data["confirm"],
                # The preview's digest of its changes; anything else is refused as a changed
                # registry, so it needs no form field of its own.
                expected_changes=request.POST.get("confirm_changes", "")[:64],
            ),
            form=form,
        )
        if isinstance(outcome.value, BackgroundJob):
            return redirect("registry:household-import-job", pk=outcome.value.pk)
        report = outcome.value
    return render(request, "registry/household_import.html", {"form": form, "report": report})


@never_cache
@login_required
@require_GET
def household_import_job(request, pk: int):
    """A ledger import in the background: rows checked (polled by htmx), then its report."""
    job = get_object_or_404(ledger_import_jobs(request.user), pk=pk)
    return render(
        request,
        "includes/job_progress.html" if request.htmx else "registry/household_import_job.html",
        {
            "job": job,
            "report": ledger_job_report(job),
            "report_template": "registry/partials/ledger_report.html",
            "poll_url": request.path,
        },
    )


@never_cache
@login_required
@require_GET
def household_detail(request, pk: int):
    household = get_object_or_404(selectors.household_detail(request.user), pk=pk)
    # Its blocks and panels ask again whether the user may read it, and its region's policy:
    # answered from this read.
    selectors.mark_readable(household, request.user)
    keep_policy_reads(household.region)
    # Reading a household's file is an audited access.
    accessed.send(Household, instance=household)
    needs = list(household.needs.all())
    actions = timeline.need_actions(needs, request.user)
    for need in needs:
        need.household = household
        need.explained = selectors.priority_explained(need)
        need.actions = actions.get(need.pk, [])
        need.service = timeline.category_name(need.category)
    events = timeline.household_timeline(household, request.user)
    show_all = request.GET.get("timeline") == "all"
    today = timezone.localdate()
    members = list(household.members.all())
    for member in members:
        member.age = member.age_on(today)
        member.relation_label = selectors.relation_label(member.relation)
    scope = scope_for(request.user)
    # What the apps above the registry show of the household (e.g. the standards calculator).
    panels = [panel for make in hooks.household_panels if (panel := make(household, request.user))]
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": members,
            "panels": panels,
            "needs": needs,
            "has_need_actions": bool(actions),
            "timeline": events if show_all else events[:TIMELINE_SHOWN],
            "timeline_total": len(events),
            "can_write": scope.can_write,
            "can_reveal": scope.can_reveal_identity,
            "today": today,
            **coverage_context(household, members, request.user),
            **grants_context(household, request.user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    _require_write(request)
    # The intake desk's "register a household" names the caller's place; the form's choices
    # are the user's own villages, so a place outside them is simply not preselected.
    form = HouseholdForm(
        request.POST or None, user=request.user, initial={"region": request.GET.get("region")}
    )
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: services.household_create(by=request.user, **form.cleaned_data),
            form=form,
        )
        if outcome:
            household = outcome.value
            messages.success(request, _("Household %(number)s registered.") % {"number": household})
            return redirect("registry:household-detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def household_update(request, pk: int):
    household = get_object_or_404(selectors.households_for(request.user), pk=pk)
    _require_write(request)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            request,
            lambda: services.household_update(
                household=household, by=request.user, **form.cleaned_data
            ),
            form=form,
        )
    ):
        messages.success(request, _("Household %(number)s saved.") % {"number": household})
        return redirect("registry:household-detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_create(request, pk: int):
    household = get_object_or_404(selectors.households_for(request.user), pk=pk)
    _require_write(request)
    form = MemberForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            request,
            lambda: services.member_create(
                household=household,
                by=request.user,
                id_number=form.cleaned_data["id_number"],
                **form.service_fields(),
            ),
            form=form,
        )
    ):
        messages.success(request, _("Member added."))
        return redirect("registry:household-detail", pk=household.pk)
    return render(request, "registry/member_form.html", {"form": form, "household": household})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_update(request, pk: int):
    member = get_object_or_404(selectors.members_for(request.user), pk=pk)
    _require_write(request)
    form = MemberUpdateForm(request.POST or None, instance=member)
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            request,
            lambda: services.member_update(
                member=member,
                by=request.user,
                id_number=form.cleaned_data["new_id_number"] or None,
                **form.service_fields(),
            ),
            form=form,
            rename={"id_number": "new_id_number"},
        )
    ):
        messages.success(request, _("Member saved."))
        return redirect("registry:household-detail", pk=member.household_id)
    return render(
        request,
        "registry/member_form.html",
        {"form": form, "household": member.household, "member": member},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_delete(request, pk: int):
    member = get_object_or_404(selectors.members_for(request.user), pk=pk)
    _require_write(request)
    if request.method == "POST":
        household_pk = member.household_id
        try:
            services.member_delete(member=member, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Member removed from the household."))
        return redirect("registry:household-detail", pk=household_pk)
    return render(
        request,
        "registry/member_confirm_delete.html",
        {"member": member, "household": member.household},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_identity(request, pk: int):
    """POST reveals one member's full ID number (audited); GET shows it masked again."""
    member = get_object_or_404(selectors.members_for(request.user), pk=pk)
    context = {"member": member, "can_reveal": scope_for(request.user).can_reveal_identity}
    if request.method == "POST":
        context["id_number"] = services.member_identity_reveal(member=member, by=request.user)
    if request.htmx:
        return render(request, "registry/_id_number.jinja", context)
    return render(
        request, "registry/member_identity.html", {**context, "household": member.household}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request, pk: int):
    household = get_object_or_404(selectors.households_for(request.user), pk=pk)
    _require_write(request)
    data = request.POST if request.method == "POST" else None
    form = AssessmentForm(data, initial={"assessed_on": timezone.localdate()})
    formset = NeedFormSet(data, prefix="needs")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        needs = [
            need_form.cleaned_data
            for need_form in formset
            if need_form.has_changed() and need_form.cleaned_data
        ]
        if service_call(
            request,
            lambda: services.assessment_create(
                household=household,
                by=request.user,
                assessed_on=form.cleaned_data["assessed_on"],
                summary=form.cleaned_data["summary"],
                needs=needs,
            ),
            form=form,
        ):
            messages.success(
                request,
                _("Visit recorded with %(count)d need(s).") % {"count": len(needs)},
            )
            return redirect("registry:household-detail", pk=household.pk)
    return render(
        request,
        "registry/assessment_form.html",
        {"form": form, "formset": formset, "household": household},
    )


@login_required
@require_GET
def need_form_row(request):
    """One more need row for the assessment form (htmx); bumps the formset's form count."""
    _require_write(request)
    try:
        index = int(request.GET.get("needs-TOTAL_FORMS", ""))
    except ValueError:
        index = -1
    if not 0 <= index < NeedFormSet.max_num:
        return HttpResponse(_("No more needs can be added to one visit."), status=400)
    form = NeedForm(prefix=f"needs-{index}")
    return render(
        request,
        "registry/partials/need_row.html",
        {"need_form": form, "index": index, "total": index + 1, "oob": True},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def need_update(request, pk: int):
    need = get_object_or_404(selectors.needs_for(request.user), pk=pk)
    _require_write(request)
    form = NeedUpdateForm(request.POST or None, instance=need)
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            request,
            lambda: services.need_update(need=need, by=request.user, **form.cleaned_data),
            form=form,
        )
    ):
        messages.success(request, _("Need saved."))
        return redirect("registry:household-detail", pk=need.household_id)
    return render(
        request,
        "registry/need_form.html",
        {"form": form, "need": need, "household": need.household},
    )
