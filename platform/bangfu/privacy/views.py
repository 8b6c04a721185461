"""The personal-information pages: the record of processing activities, the retention schedule
and its runs, and the subject-access export. Reads for the bureau and the administrators;
changes by the security administrator (a county's manager: the county's own periods)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.core.spreadsheets import xlsx_response
from bangfu.core.views import service_call
from bangfu.privacy import access, dry_runs
from bangfu.privacy.forms import ProcessingActivityForm, RetentionRuleForm, SubjectAccessForm
from bangfu.privacy.models import ProcessingActivity, RetentionRule, RetentionRun
from bangfu.privacy.processing import processing_record_workbook
from bangfu.privacy.services import activity_save, county_rule_for, rule_save
from bangfu.privacy.subject_access import subject_access_export

RUNS_SHOWN = 30


@login_required
@require_GET
def processing_record(request):
    access.require_reader(request.user)
    return render(
        request,
        "privacy/record.html",
        {
            "activities": ProcessingActivity.objects.select_related("region"),
            "keeps_record": access.keeps_record(request.user),
            "makes_subject_access": access.makes_subject_access(request.user),
        },
    )


@never_cache
@login_required
@require_GET
def processing_record_export(request):
    access.require_reader(request.user)
    content = processing_record_workbook(by=request.user)
    return xlsx_response(content, f"processing-record-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int | None = None):
    access.require(
        access.keeps_record(request.user),
        _("The security administrator keeps the record of processing activities."),
    )
    activity = get_object_or_404(ProcessingActivity, pk=pk) if pk else None
    form = ProcessingActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        call = lambda: activity_save(form=form, by=request.user)  # noqa: E731
        if service_call(request, call, form=form, success=_("The record was saved.")):
            return redirect("privacy:record")
    return render(request, "privacy/activity_form.html", {"form": form, "activity": activity})


@login_required
@require_http_methods(["GET", "POST"])
def retention(request):
    access.require_reader(request.user)
    user = request.user
    if request.method == "POST":
        # Counted in the background, within the user's counties (``dry_runs``).
        outcome = service_call(request, lambda: dry_runs.dry_run_start(by=user))
        if outcome:
            return redirect("privacy:retention-job", pk=outcome.value.pk)
        return redirect("privacy:retention")
    rules = list(RetentionRule.objects.select_related("region", "updated_by"))
    counties = list(access.managed_counties(user)) if not access.keeps_record(user) else []
    return render(
        request,
        "privacy/retention.html",
        {
            "rules": [(rule, access.may_edit_rule(user, rule)) for rule in rules],
            "counties": counties,
            "categories": RetentionRule.Category.choices,
            "keeps_record": access.keeps_record(user),
            "may_try": access.keeps_record(user) or bool(counties),
            "makes_subject_access": access.makes_subject_access(user),
            "runs": RetentionRun.objects.select_related("rule__region", "by")[:RUNS_SHOWN],
        },
    )


@never_cache
@login_required
@require_GET
def retention_job(request, pk: int):
    """A dry run counted in the background: its progress (polled by htmx), then its counts."""
    job = get_object_or_404(dry_runs.dry_run_jobs(request.user), pk=pk)
    template = (
        "privacy/partials/dry_run_progress.html" if request.htmx else "privacy/retention_job.html"
    )
    return render(request, template, {"job": job})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    access.require_reader(request.user)
    rule = get_object_or_404(RetentionRule.objects.select_related("region"), pk=pk)
    access.require(
        access.may_edit_rule(request.user, rule),
        _("The security administrator or the county's manager sets this period."),
    )
    return _rule_form(request, rule)


@login_required
@require_http_methods(["GET", "POST"])
def county_rule(request, category: str):
    """A county's own period of a category, made from the platform's when it has none."""
    access.require_reader(request.user)
    counties = access.managed_counties(request.user)
    if category not in RetentionRule.Category.values or not counties.exists():
        access.require(False, _("Only a county's manager sets the county's own periods."))
    rule = county_rule_for(category=category, county=counties.first())
    return _rule_form(request, rule)


def _rule_form(request, rule: RetentionRule):
    form = RetentionRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        call = lambda: rule_save(form=form, by=request.user)  # noqa: E731
        if service_call(request, call, form=form, success=_("The period was saved.")):
            return redirect("privacy:retention")
    return render(request, "privacy/rule_form.html", {"form": form, "rule": rule})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def subject_access(request):
    access.require(
        access.makes_subject_access(request.user),
        _("Subject-access exports are made by bureau staff who may reveal ID numbers."),
    )
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: subject_access_export(
                id_number=form.cleaned_data["id_number"],
                purpose=form.cleaned_data["purpose"],
                by=request.user,
            ),
            form=form,
        )
        if outcome:
            member, content = outcome.value
            name = f"subject-access-{member.pk}-{timezone.localdate():%Y%m%d}.xlsx"
            return xlsx_response(content, name)
    return render(request, "privacy/subject_access.html", {"form": form})
