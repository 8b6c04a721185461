"""A bureau manager's webhook pages: the subscriptions, a new one (its secret shown once, on
the page that answers the creation, which is not cached), its recent deliveries, deactivation.
Anyone else is refused: another bureau's subscription is not found (404)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.api.webhooks import services
from bangfu.api.webhooks.forms import SubscriptionForm
from bangfu.core.views import service_call


def _require_manager(user):
    organisations = services.webhook_organisations(user)
    if not organisations.exists():
        raise PermissionDenied(_("Webhooks are kept by a bureau's manager."))
    return organisations


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def subscription_list(request):
    organisations = _require_manager(request.user)
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: services.webhook_subscription_create(by=request.user, **form.cleaned_data),
            form=form,
        )
        if outcome:
            return render(request, "api/webhooks/created.html", {"created": outcome.value})
    return render(
        request,
        "api/webhooks/list.html",
        {"form": form, "subscriptions": services.subscriptions_for(request.user)},
    )


@login_required
def subscription_detail(request, pk: int):
    _require_manager(request.user)
    subscription = get_object_or_404(services.subscriptions_for(request.user), pk=pk)
    return render(
        request,
        "api/webhooks/detail.html",
        {"subscription": subscription, "deliveries": services.deliveries_of(subscription)},
    )


@login_required
@require_POST
def subscription_deactivate(request, pk: int):
    _require_manager(request.user)
    subscription = get_object_or_404(services.subscriptions_for(request.user), pk=pk)
    service_call(
        request,
        lambda: services.webhook_subscription_deactivate(
            by=request.user, subscription=subscription
        ),
        success=_("The subscription is deactivated: it is sent nothing more."),
    )
    return redirect("api-webhooks:list")
