from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bangfu.core.charts import Series, hbar_chart, whole
from bangfu.core.db_router import replica_view
from bangfu.core.links import row_url
from bangfu.core.spreadsheets import xlsx_response
from bangfu.referrals import selectors
from bangfu.referrals.dashboards import bureau_dashboard
from bangfu.referrals.export import referrals_workbook
from bangfu.referrals.forms import DashboardForm
from bangfu.referrals.views.common import require_staff_area


def _since(request):
    form = DashboardForm(request.GET or None)
    since = form.cleaned_data["since"] if form.is_valid() else None
    return form, since


@never_cache
@login_required
@require_GET
@replica_view
def dashboard(request):
    """Referrals in the user's region: where they stand, how fast, who accepts, who is missed."""
    require_staff_area(request.user)
    form, since = _since(request)
    data = bureau_dashboard(request.user, since=since)
    status_chart = hbar_chart(
        [(str(label), [count]) for _value, label, count in data.by_status],
        [Series(_("referrals"), "#5b9bd5")],
        title=_("Referrals by status"),
        value_format=whole,
    )
    acceptance_chart = hbar_chart(
        [
            (row.name, [row.rate], f"{row.rate:.0%} ({row.accepted}/{row.answered})")
            for row in data.acceptance
        ],
        [Series(_("accepted, share of answered"), "#2e8b57")],
        title=_("Acceptance rate by provider"),
        max_value=1,
        value_format=lambda rate: f"{rate:.0%}",
    )
    case_url = row_url("referrals:intake-detail")
    for case in data.without_candidate:
        case.url = case_url(case.pk)
    return render(
        request,
        "referrals/dashboard.html",
        {
            "form": form,
            "data": data,
            "status_chart": status_chart,
            "acceptance_chart": acceptance_chart,
            "query": request.GET.urlencode(),
        },
    )


@never_cache
@login_required
@require_GET
@replica_view
def dashboard_export(request):
    require_staff_area(request.user)
    _form, since = _since(request)
    referrals = selectors.referrals_for(request.user)
    if since is not None:
        referrals = referrals.filter(sent_at__date__gte=since)
    content = referrals_workbook(referrals.order_by("sent_at"))
    return xlsx_response(content, f"referrals-{timezone.localdate().isoformat()}.xlsx")
