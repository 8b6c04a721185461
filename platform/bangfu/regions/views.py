"""The policy settings page: a bureau reads the policy in force for its regions and years, and
its manager sets the region's own values (``services``). Who may do what comes from
``regions.policy.readable_regions`` and ``may_change``, which the accounts app registers."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.core.validators import EARLIEST_DATE, LATEST_DATE
from bangfu.core.views import service_call
from bangfu.regions import selectors, services
from bangfu.regions.forms import PolicyChoice, PolicyValueForm
from bangfu.regions.models import Region
from bangfu.regions.policy import PARAMETERS, Policy, may_change, may_read


def reader_required(view: Callable) -> Callable:
    """Bureau staff, managers and auditors read the policy of their regions; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_read(request.user):
            raise PermissionDenied(_("Policy settings are open to bureau staff and auditors."))
        return view(request, *args, **kwargs)

    return wrapped


def _place(request, code: str, year: int) -> Region:
    """The region, if its policy is the user's to read (else 404), and a year in range."""
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        raise Http404
    return get_object_or_404(selectors.policy_regions(request.user), code=code)


def _parameter(key: str) -> str:
    if key not in PARAMETERS:
        raise Http404
    return key


@reader_required
def policy_home(request):
    """Choose a region and a year; the user's first region and this year to begin with."""
    regions = selectors.policy_regions(request.user)
    form = PolicyChoice(request.GET or None, regions=regions)
    if form.is_bound and form.is_valid():
        region, year = form.cleaned_data["region"], form.cleaned_data["year"]
    else:
        region, year = regions.first(), timezone.localdate().year
    return redirect("regions:policy-region", code=region.code, year=year)


@reader_required
def policy_region(request, code: str, year: int):
    region = _place(request, code, year)
    regions = selectors.policy_regions(request.user)
    context = {
        "region": region,
        "year": year,
        "form": PolicyChoice(initial={"region": region, "year": year}, regions=regions),
        "groups": selectors.policy_groups(region, year),
        "can_change": may_change(request.user, region),
    }
    return render(request, "regions/policy_region.html", context)


@reader_required
def policy_parameter(request, code: str, year: int, key: str):
    region, key = _place(request, code, year), _parameter(key)
    can_change = may_change(request.user, region)
    if request.method == "POST" and not can_change:
        raise PermissionDenied(_("Only a bureau manager of the region sets its policy."))
    row = selectors.parameter_row(Policy(region, year), key)
    form = PolicyValueForm(request.POST or None, key=key, current=row.value)
    if (
        request.method == "POST"
        and form.is_valid()
        and service_call(
            request,
            lambda: services.policy_value_set(
                region=region,
                year=year,
                key=key,
                value=form.value(),
                source=form.cleaned_data["source"],
                by=request.user,
            ),
            form=form,
            success=_("The value was saved; it is in force for %(region)s from %(year)s.")
            % {"region": region, "year": year},
        )
    ):
        return redirect("regions:policy-parameter", code=code, year=year, key=key)
    context = {
        "region": region,
        "year": year,
        "row": row,
        "form": form if can_change else None,
        "can_change": can_change,
        "history": selectors.parameter_history(region, key),
    }
    return render(request, "regions/policy_parameter.html", context)


@require_POST
@reader_required
def policy_revert(request, code: str, year: int, key: str):
    region, key = _place(request, code, year), _parameter(key)
    service_call(
        request,
        lambda: services.policy_value_revert(region=region, year=year, key=key, by=request.user),
        success=_("The region's own value was removed; the inherited value is in force again."),
    )
    return redirect("regions:policy-parameter", code=code, year=year, key=key)
