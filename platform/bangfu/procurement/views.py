"""Staff pages for procurement: parse the request, call one service or selector, render."""

from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bangfu.accounts.scoping import holds_role_over, scope_for
from bangfu.core import charts
from bangfu.core.db_router import replica_view
from bangfu.core.spreadsheets import xlsx_response
from bangfu.core.views import service_call
from bangfu.procurement import exports, selectors, services
from bangfu.procurement.forms import (
    DashboardFilter,
    DeliveryForm,
    EvaluationForm,
    FilingSendForm,
    FundForm,
    LineFormSet,
    PaymentForm,
    ProjectFilter,
    ProjectForm,
    ReturnForm,
    initial_lines,
)
from bangfu.procurement.indicators import LABELS, SHORT_LABELS
from bangfu.procurement.models import (
    CatalogueItem,
    Filing,
    Fund,
    FundingSource,
    ProcurementCap,
    Project,
)
from bangfu.procurement.roles import APPROVE_ROLES, EDIT_ROLES, READ_ROLES
from bangfu.providers.kinds import quota_households

REFERRALS_SHOWN = 50

CAP_SERIES = [
    charts.Series(gettext_lazy("paid"), "#1f5f8b"),
    charts.Series(gettext_lazy("committed, unpaid"), "#5b9bd5"),
    charts.Series(gettext_lazy("headroom"), "#d9e7f3"),
]

FLOW_SERIES = [
    charts.Series(gettext_lazy("committed"), "#5b9bd5"),
    charts.Series(gettext_lazy("paid"), "#1f5f8b"),
    charts.Series(gettext_lazy("released"), "#b0b7bf"),
]


def reader_required(view: Callable) -> Callable:
    """Bureau staff, managers and auditors read procurement; everyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        scope = scope_for(request.user)
        if not (scope.everything or scope.roles & set(READ_ROLES)):
            raise PermissionDenied(_("Procurement is open to bureau staff and auditors."))
        return view(request, *args, **kwargs)

    return wrapped


# --- dashboard, funds, catalogue -------------------------------------------------------------


@reader_required
@replica_view
def dashboard(request):
    user = request.user
    regions = selectors.visible_regions(user).order_by("level", "code")
    default_region = regions.first()
    form = DashboardFilter(
        request.GET or None,
        user=user,
        initial={"year": timezone.localdate().year, "region": default_region},
    )
    year, region = timezone.localdate().year, default_region
    if form.is_bound and form.is_valid():
        year, region = form.cleaned_data["year"], form.cleaned_data["region"]
    context = {"form": form, "year": year, "region": region}
    if region is not None:
        caps = selectors.caps_overview(user=user, region=region, year=year)
        flow = selectors.monthly_flow(user=user, region=region, year=year)
        projects = selectors.project_progress(user=user, region=region, year=year)
        context.update(
            caps=caps,
            projects=projects,
            flow=flow,
            cap_chart=charts.hbar_chart(
                [
                    (row.region.name, [row.paid, row.committed - row.paid, max(row.headroom, 0)])
                    for row in caps
                ],
                CAP_SERIES,
                stacked=True,
                title=_("Spending against the cap"),
            ),
            flow_chart=charts.month_chart(
                {
                    row["month"].month: [row["commitment"], row["payment"], row["release"]]
                    for row in flow
                    if row["month"].year == year
                },
                FLOW_SERIES,
                title=_("Flow by month"),
            ),
            project_chart=charts.hbar_chart(
                [(p.name, [p.amount, p.delivered_value()]) for p in projects[:15]],
                [
                    charts.Series(_("contract amount"), "#5b9bd5"),
                    charts.Series(_("delivered value"), "#2e8b57"),
                ],
                title=_("Contract amount and delivered value by project"),
            ),
        )
    return render(request, "procurement/dashboard.html", context)


@reader_required
def funds(request):
    user = request.user
    form = FundForm(request.POST or None, user=user, initial={"year": timezone.localdate().year})
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            request,
            lambda: services.fund_set(by=user, **form.cleaned_data),
            form=form,
            success=_("The funds and the cap were updated."),
        )
    ):
        return redirect("procurement:funds")
    context = {
        "form": form,
        "can_edit": selectors.can_edit(user),
        "funds": Fund.objects.filter(region__in=selectors.buying_regions(user)).select_related(
            "region"
        ),
        "caps": ProcurementCap.objects.for_user(user).select_related("region"),
    }
    return render(request, "procurement/funds.html", context, status=400 if form.errors else 200)


@reader_required
def catalogue(request):
    items = CatalogueItem.objects.filter(is_active=True).select_related("category")
    return render(request, "procurement/catalogue.html", {"items": items})


# --- projects --------------------------------------------------------------------------------


@reader_required
def project_list(request):
    form = ProjectFilter(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    projects = selectors.project_list(
        user=request.user,
        year=filters.get("year"),
        region=filters.get("region"),
        status=filters.get("status") or "",
    )
    context = {"form": form, "projects": projects, "can_edit": selectors.can_edit(request.user)}
    return render(request, "procurement/project_list.html", context)


def _headroom_table(user):
    return (
        ProcurementCap.objects.for_user(user)
        .filter(year__gte=timezone.localdate().year)
        .select_related("region")
    )


def _project_form_page(request, *, project: Project | None):
    user = request.user
    if not selectors.can_edit(user):
        raise PermissionDenied(_("Your role cannot draft projects."))
    form = ProjectForm(request.POST or None, instance=project, user=user)
    lines = LineFormSet(
        request.POST or None,
        prefix="lines",
        initial=initial_lines(project) if project and not request.POST else None,
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = dict(form.cleaned_data)
        service_area = data.pop("service_area")
        fields = {"by": user, "lines": lines.lines(), "service_area": service_area, **data}
        saved = service_call(
            request,
            lambda: (
                services.project_update(project=project, **fields)
                if project is not None
                else services.project_create(**fields)
            ),
            form=form,
            success=_("The project was saved as a draft."),
        )
        if saved:
            return redirect("procurement:project-detail", pk=saved.value.pk)
    context = {
        "form": form,
        "lines": lines,
        "project": project,
        "caps": _headroom_table(user),
    }
    status = 400 if form.errors or lines.total_error_count() else 200
    return render(request, "procurement/project_form.html", context, status=status)


@reader_required
def project_create(request):
    return _project_form_page(request, project=None)


@reader_required
def project_edit(request, pk: int):
    project = get_object_or_404(selectors.project_list(user=request.user), pk=pk)
    if project.status != Project.Status.DRAFT:
        return redirect("procurement:project-detail", pk=pk)
    return _project_form_page(request, project=project)


def _detail_context(request, project: Project, **forms) -> dict:
    user = request.user
    can_edit = holds_role_over(user, EDIT_ROLES, project.region)
    filing = getattr(project, "filing", None) if project.needs_filing else None
    today = timezone.localdate()
    context = {
        "project": project,
        "lines": project.delivery_by_line(),
        "cap": selectors.cap_of(region=project.region, year=project.year),
        "headroom_warning": services.headroom_warning(project),
        "amount_by_source": [
            (FundingSource(source).label, amount)
            for source, amount in project.amount_by_source().items()
        ],
        "can_edit": can_edit,
        "can_approve": holds_role_over(user, APPROVE_ROLES, project.region),
        "filing": filing,
        "can_send_filing": can_edit and services.filing_may_send(project, filing),
        "can_answer_filing": filing is not None
        and filing.status == Filing.Status.SENT
        and holds_role_over(user, EDIT_ROLES, filing.filed_with),
        "committed": project.committed_amount(),
        "paid": project.paid_amount(),
        "delivered_value": project.delivered_value(),
        "households_served": project.households_served(),
        "referrals": selectors.project_referrals(project=project, user=user)[:REFERRALS_SHOWN],
        "quota_used": len(quota_households([project.provider_id])[project.provider_id]),
        "filing_form": FilingSendForm(),
        "payment_form": PaymentForm(initial={"paid_on": today}),
        "delivery_form": DeliveryForm(
            project=project, user=user, initial={"delivered_on": min(today, project.ends_on)}
        ),
        "return_form": ReturnForm(),
        "errors": [],
    }
    context.update(forms)
    return context


@reader_required
def project_detail(request, pk: int):
    project = get_object_or_404(selectors.project_detail_queryset(user=request.user), pk=pk)
    return render(request, "procurement/project_detail.html", _detail_context(request, project))


def _no_form(_request, _project, _user):
    return None


ACTIONS: dict[str, tuple[Callable, Callable, str]] = {
    # action: (form builder, service call, success message)
    "submit": (
        _no_form,
        lambda project, user, data: services.project_submit(project=project, by=user),
        gettext_lazy("The project was submitted for approval."),
    ),
    "approve": (
        _no_form,
        lambda project, user, data: services.project_approve(project=project, by=user),
        gettext_lazy("The project was approved and its amount committed against the cap."),
    ),
    "start": (
        _no_form,
        lambda project, user, data: services.project_start(project=project, by=user),
        gettext_lazy("The project has started."),
    ),
    "close": (
        _no_form,
        lambda project, user, data: services.project_close(project=project, by=user),
        gettext_lazy("The project was closed; any unspent commitment returned to the cap."),
    ),
    "return": (
        lambda request, project, user: ReturnForm(request.POST),
        lambda project, user, data: services.project_return(project=project, by=user, **data),
        gettext_lazy("The project went back to draft."),
    ),
    "filing": (
        lambda request, project, user: FilingSendForm(request.POST, request.FILES),
        lambda project, user, data: services.filing_send(project=project, by=user, **data),
        gettext_lazy("The filing (备案) was sent to the bureau above."),
    ),
    "payment": (
        lambda request, project, user: PaymentForm(request.POST),
        lambda project, user, data: services.payment_record(project=project, by=user, **data),
        gettext_lazy("The payment was recorded."),
    ),
    "delivery": (
        lambda request, project, user: DeliveryForm(request.POST, project=project, user=user),
        lambda project, user, data: services.delivery_record(project=project, by=user, **data),
        gettext_lazy("The delivery was recorded."),
    ),
}
ACTION_FORMS = {
    "return": "return_form",
    "filing": "filing_form",
    "payment": "payment_form",
    "delivery": "delivery_form",
}


@require_POST
@reader_required
def project_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    queryset = selectors.project_detail_queryset(user=request.user)
    project = get_object_or_404(queryset, pk=pk)
    build_form, call, success = ACTIONS[action]
    form = build_form(request, project, request.user)
    extra: dict = {}
    status = 400
    if form is not None:
        extra[ACTION_FORMS[action]] = form
    if form is None or form.is_valid():
        outcome = service_call(
            request,
            lambda: call(project, request.user, form.cleaned_data if form is not None else {}),
            success=success,
            show=False,  # in the page, above the form
        )
        if outcome:
            return redirect("procurement:project-detail", pk=pk)
        extra["errors"] = outcome.messages
        if isinstance(outcome.refusal, services.CapExceeded):
            status = 409
    project = get_object_or_404(queryset, pk=pk)
    return render(
        request,
        "procurement/project_detail.html",
        _detail_context(request, project, **extra),
        status=status,
    )


# --- evaluation ------------------------------------------------------------------------------


@reader_required
def evaluation_create(request, pk: int):
    project = get_object_or_404(selectors.project_detail_queryset(user=request.user), pk=pk)
    if not holds_role_over(request.user, EDIT_ROLES, project.region):
        raise PermissionDenied(_("Your role cannot evaluate projects here."))
    found = service_call(request, lambda: services.scheme_for(project))
    if not found:
        return redirect("procurement:project-detail", pk=pk)
    scheme = found.value
    criteria = scheme.criteria.all()
    form = EvaluationForm(
        request.POST or None, criteria=criteria, initial={"evaluated_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        evaluation = service_call(
            request,
            lambda: services.evaluation_record(
                project=project,
                by=request.user,
                evaluated_on=form.cleaned_data["evaluated_on"],
                scores=form.scores(),
                comments=form.cleaned_data["comments"],
            ),
            form=form,
        )
        if evaluation:
            return redirect("procurement:evaluation-detail", pk=evaluation.value.pk)
    context = {"project": project, "scheme": scheme, "form": form}
    return render(
        request, "procurement/evaluation_form.html", context, status=400 if form.errors else 200
    )


def report_rows(evaluation) -> list[dict]:
    """The indicators in the order of the scheme's list (PostgreSQL's JSON keeps no order)."""
    return [
        {
            "code": code,
            "label": str(LABELS[code]),
            "short": str(SHORT_LABELS[code]),
            "value": data["value"],
            "score": None if data["score"] is None else Decimal(data["score"]),
            "weight": Decimal(data["weight"]),
        }
        for code in LABELS
        if (data := evaluation.indicators.get(code)) is not None
    ]


@reader_required
def evaluation_detail(request, pk: int):
    evaluation = get_object_or_404(selectors.evaluation_detail_queryset(user=request.user), pk=pk)
    rows = report_rows(evaluation)
    project = evaluation.project
    lines = project.delivery_by_line()
    pct = Decimal(100)
    context = {
        "evaluation": evaluation,
        "project": project,
        "rows": rows,
        "lines": lines,
        "scores": evaluation.scores.all(),
        "indicator_chart": charts.hbar_chart(
            [(row["short"], [row["score"]]) for row in rows]
            + [(score.criterion.name, [score.score]) for score in evaluation.scores.all()],
            [charts.Series(_("score"), "#2e8b57")],
            max_value=pct,
            value_format=lambda value: f"{value:.1f}",
            title=_("Scores out of 100"),
        ),
        "delivery_chart": charts.hbar_chart(
            [(row.line.item.name, [min(row.delivered_pct, pct)]) for row in lines],
            # xgettext:no-python-format
            [charts.Series(_("delivered, % of contracted"), "#5b9bd5")],
            max_value=pct,
            value_format=lambda value: f"{value:.1f}%",
            title=_("Delivered against contracted"),
        ),
    }
    return render(request, "procurement/evaluation_detail.html", context)


@reader_required
def evaluation_export(request, pk: int, fmt: str):
    if fmt not in {"xlsx", "pdf"}:
        raise Http404
    evaluation = get_object_or_404(selectors.evaluation_detail_queryset(user=request.user), pk=pk)
    rows = report_rows(evaluation)
    filename = f"evaluation-{evaluation.project_id}-{evaluation.pk}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(exports.evaluation_xlsx(evaluation, rows), filename)
    content = exports.evaluation_pdf(evaluation, rows)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
