"""The pages of finding people: warnings, worklists, the visit form, overdue lists, imports and
the standards calculator. Reads through ``selectors`` (a warning or task outside the user's
area is a 404), writes through ``services`` and ``importing``."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.scoping import scope_for
from bangfu.core import filter_panel
from bangfu.core.charts import Series, hbar_chart, whole
from bangfu.core.db_router import replica_view
from bangfu.core.keyset import keyset_page
from bangfu.core.links import row_url
from bangfu.core.models import BackgroundJob
from bangfu.core.views import service_call
from bangfu.discovery import scoring, selectors, services
from bangfu.discovery.explain import explain, name_subjects, subject_name, word_flags
from bangfu.discovery.forms import (
    CrossCheckImportForm,
    FlagFilterForm,
    StandardsForm,
    TaskOutcomeForm,
)
from bangfu.discovery.import_jobs import (
    crosscheck_import_jobs,
    crosscheck_import_submit,
    crosscheck_job_report,
)
from bangfu.discovery.importing import require_import
from bangfu.discovery.models import Task
from bangfu.discovery.profiles import PROFILES
from bangfu.discovery.standards import household_entitlement, standards_for
from bangfu.regions.models import within
from bangfu.regions.policy import Policy
from bangfu.registry.forms import NeedFormSet
from bangfu.registry.models import Residence
from bangfu.registry.selectors import households_for

PAGE_SIZE = 25
COLOURS = {"found": "#8aa4c8", "verified": "#3b6ea8", "enrolled": "#2e7d4f"}


def _require_reader(request) -> None:
    if not selectors.reads_discovery(request.user):
        raise PermissionDenied(_("Finding people is for assistants and bureau staff."))


@never_cache
@login_required
@require_GET
@replica_view
def dashboard(request):
    _require_reader(request)
    today = timezone.localdate()
    breakdown = selectors.breakdown_for(request.user)
    places, as_of = selectors.place_counts(request.user, breakdown, today=today)
    chart = None
    if places:
        chart = hbar_chart(
            [
                (row.place.name, [Decimal(row.found), Decimal(row.verified), Decimal(row.enrolled)])
                for row in places
            ],
            [
                Series(_("found"), COLOURS["found"]),
                Series(_("verified"), COLOURS["verified"]),
                Series(_("enrolled"), COLOURS["enrolled"]),
            ],
            title=breakdown.heading,
            value_format=whole,
        )
    loaded = scoring.current_model()
    return render(
        request,
        "discovery/dashboard.html",
        {
            "places": places,
            "breakdown": breakdown,
            "as_of": as_of,
            "totals": {
                key: sum(getattr(row, key) for row in places)
                for key in (
                    "found",
                    "verified",
                    "enrolled",
                    "referred",
                    "dismissed",
                    "open",
                    "overdue",
                )
            },
            "chart": chart,
            "rules": selectors.rule_counts(request.user),
            "model": loaded[1] if loaded else None,
            "scope": scope_for(request.user),
        },
    )


@never_cache
@login_required
@require_GET
def flag_list(request):
    _require_reader(request)
    form = FlagFilterForm(request.GET or None, user=request.user)
    if filter_panel.form_alone(request):
        return render(request, "discovery/_flag_filters.html", {"form": form})
    flags = selectors.flags_for(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["rule"]:
            flags = flags.filter(rule=data["rule"])
        if data["place"]:
            flags = flags.filter(within(data["place"], "region"))
        if data["state"] == "open":
            flags = flags.filter(task__status=Task.Status.OPEN)
        elif data["state"] == "done":
            flags = flags.filter(task__status=Task.Status.DONE)
        elif data["state"] == "recommended":
            flags = flags.filter(task__outcome=Task.Outcome.RECOMMENDED)
        elif data["state"] == "enrolled":
            flags = flags.filter(selectors.ENROLLED)
    page = keyset_page(request, selectors.ranked(flags), per_page=PAGE_SIZE)
    word_flags(page.object_list)
    flag_url, task_url = row_url("discovery:flag-detail"), row_url("discovery:task-detail")
    for flag in page.object_list:
        flag.url = flag_url(flag.pk)
        if flag.task:
            flag.task.url = task_url(flag.task.pk)
    return render(
        request,
        "discovery/flag_list.html",
        {
            "form": form,
            "panel": filter_panel.filter_panel(
                request,
                applied=filter_panel.filters_applied(request, form.fields) or bool(form.errors),
            ),
            "page_obj": page,
            "flags": page.object_list,
        },
    )


@never_cache
@login_required
@require_GET
def flag_detail(request, pk: int):
    _require_reader(request)
    flag = get_object_or_404(selectors.flags_in_full(request.user), pk=pk)
    scope = scope_for(request.user)
    return render(
        request,
        "discovery/flag_detail.html",
        {
            "flag": flag,
            "subject": subject_name(flag, reveal=scope.can_reveal_identity),
            "explanation": explain(flag),
            "person": flag.member or flag.candidate,
            "today": timezone.localdate(),
        },
    )


@never_cache
@login_required
@require_GET
def task_list(request):
    _require_reader(request)
    kind = request.GET.get("kind") or Task.Kind.VERIFY
    if kind not in Task.Kind.values:
        kind = Task.Kind.VERIFY
    tasks = selectors.worklist(request.user, kind=kind)
    mine = request.GET.get("mine") == "1"
    if mine:
        tasks = tasks.filter(assignee=request.user)
    page = keyset_page(request, tasks, per_page=PAGE_SIZE)
    name_subjects(page.object_list)
    counts = {
        value: selectors.tasks_for(request.user).open().filter(kind=value).count()
        for value in Task.Kind.values
    }
    return render(
        request,
        "discovery/task_list.html",
        {
            "kind": kind,
            "kinds": [(value, label, counts[value]) for value, label in Task.Kind.choices],
            "mine": mine,
            "page_obj": page,
            "tasks": page.object_list,
            "today": timezone.localdate(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk: int):
    _require_reader(request)
    task = get_object_or_404(selectors.tasks_for(request.user), pk=pk)
    scope = scope_for(request.user)
    can_record = scope.can_write and task.status == Task.Status.OPEN
    data = request.POST if request.method == "POST" else None
    form = TaskOutcomeForm(data, task=task)
    formset = NeedFormSet(data, prefix="needs")
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(_("This task cannot be recorded by you."))
        if form.is_valid() and formset.is_valid():
            done = _complete(request, task, form, formset)
            if done:
                messages.success(request, _("The visit is recorded."))
                return redirect("discovery:task-detail", pk=task.pk)
    flag = getattr(task, "flag", None)
    today = timezone.localdate()
    entitlement = None
    household = task.household
    if household is not None and households_for(request.user).filter(pk=household.pk).exists():
        entitlement = household_entitlement(household, on=today)
    return render(
        request,
        "discovery/task_detail.html",
        {
            "task": task,
            "flag": flag,
            "explanation": explain(flag) if flag else "",
            "subject": subject_name(task, reveal=scope.can_reveal_identity),
            "form": form,
            "formset": formset,
            "can_record": can_record,
            "entitlement": entitlement,
            "today": today,
        },
    )


def _complete(request, task: Task, form: TaskOutcomeForm, formset) -> bool:
    data = form.cleaned_data
    needs = [f.cleaned_data for f in formset if f.has_changed() and f.cleaned_data]
    registration = None
    if form.needs_registration:
        registration = services.Registration(
            registry_number=data["registry_number"], address=data["address"], phone=data["phone"]
        )
    return bool(
        service_call(
            request,
            lambda: services.task_complete(
                task=task,
                by=request.user,
                outcome=data["outcome"],
                on=data["visited_on"],
                recommendation=form.recommendation(),
                dismiss_reason=data["dismiss_reason"],
                note=data["note"],
                registration=registration,
                needs=needs,
            ),
            form=form,
            rename={"on": "visited_on"},
        )
    )


@never_cache
@login_required
@require_GET
def overdue(request):
    _require_reader(request)
    today = timezone.localdate()
    tasks = selectors.tasks_for(request.user).overdue(today).order_by("due_on", "pk")
    page = keyset_page(request, tasks, per_page=PAGE_SIZE)
    name_subjects(page.object_list)
    return render(
        request,
        "discovery/overdue.html",
        {
            "by_assignee": selectors.overdue_groups(request.user, today=today, by="assignee"),
            "by_place": selectors.overdue_groups(request.user, today=today, by="place"),
            "breakdown": selectors.breakdown_for(request.user),
            "page_obj": page,
            "tasks": page.object_list,
            "today": today,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def crosscheck_import(request):
    require_import(by=request.user)
    report = None
    form = CrossCheckImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = service_call(
            request,
            lambda: crosscheck_import_submit(
                upload=data["file"],
                by=request.user,
                source=data["source"],
                region=data["region"],
                as_of=data["as_of"],
                dry_run=data["dry_run"],
            ),
            form=form,
        )
        if isinstance(outcome.value, BackgroundJob):
            return redirect("discovery:import-job", pk=outcome.value.pk)
        report = outcome.value
    return render(
        request,
        "discovery/import.html",
        {
            "form": form,
            "report": report,
            "imports": selectors.imports_for(request.user)[:20],
            "profiles": PROFILES.values(),
        },
    )


@never_cache
@login_required
@require_GET
def crosscheck_import_job(request, pk: int):
    """A cross-check import in the background: rows checked (polled by htmx), then its report."""
    job = get_object_or_404(crosscheck_import_jobs(request.user), pk=pk)
    return render(
        request,
        "includes/job_progress.html" if request.htmx else "discovery/import_job.html",
        {
            "job": job,
            "report": crosscheck_job_report(job),
            "report_template": "discovery/includes/crosscheck_report.html",
            "poll_url": request.path,
        },
    )


@never_cache
@login_required
@require_GET
def standards(request):
    _require_reader(request)
    form = StandardsForm(request.GET or None, user=request.user)
    result, rural, entitlement, household = None, None, None, None
    if form.is_valid():
        region, year = form.cleaned_data["region"], form.cleaned_data["year"]
        try:
            policy = Policy(region, year)
            result = standards_for(region, year, policy)
            rural = standards_for(region, year, policy, residence=Residence.RURAL)
        except LookupError as error:
            form.add_error(None, str(error))
    number = form.cleaned_data["household"].strip() if result is not None else ""
    if number:
        household = (
            households_for(request.user)
            .filter(within(result.region, "region"), registry_number=number)
            .prefetch_related("members")
            .first()
        )
        if household is None:
            form.add_error(None, _("No household %(number)s in this region.") % {"number": number})
        else:
            entitlement = household_entitlement(
                household, on=timezone.localdate(), year=result.year
            )
    return render(
        request,
        "discovery/standards.html",
        {
            "form": form,
            "standards": result,
            "rural": rural,
            "household": household,
            "household_number": number,
            "entitlement": entitlement,
        },
    )
