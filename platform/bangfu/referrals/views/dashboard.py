from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bangfu.referrals import selectors
from bangfu.referrals.charts import bar_chart
from bangfu.referrals.export import referrals_workbook
from bangfu.referrals.forms import DashboardForm
from bangfu.referrals.views.common import require_staff_area

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _since(request):
    form = DashboardForm(request.GET or None)
    since = form.cleaned_data["since"] if form.is_valid() else None
    return form, since


@never_cache
@login_required
@require_GET
def dashboard(request):
    """Referrals in the user's region: where they stand, how fast, who accepts, who is missed."""
    require_staff_area(request.user)
    form, since = _since(request)
    data = selectors.bureau_dashboard(request.user, since=since)
    status_chart = bar_chart(
        _("Referrals by status"),
        [
            (str(label), count, str(count), f"status-{value}")
            for value, label, count in data.by_status
        ],
    )
    acceptance_chart = bar_chart(
        _("Acceptance rate by provider"),
        [
            (row.name, row.rate, f"{row.rate:.0%} ({row.accepted}/{row.answered})")
            for row in data.acceptance[:20]
        ],
        maximum=1.0,
    )
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
def dashboard_export(request):
    require_staff_area(request.user)
    _form, since = _since(request)
    referrals = selectors.referrals_for(request.user)
    if since is not None:
        referrals = referrals.filter(sent_at__date__gte=since)
    response = HttpResponse(referrals_workbook(referrals.order_by("sent_at")), content_type=XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="referrals-{stamp}.xlsx"'
    return response
