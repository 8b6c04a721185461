"""The API's staff pages: a user's own tokens, a bureau manager's service accounts and theirs.

A new token's secret is shown on the page that answers its creation, once: it is not stored,
and the page is not cached."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.api import service_accounts, tokens
from bangfu.api.forms import ServiceAccountForm, TokenForm
from bangfu.api.models import ApiToken
from bangfu.core.views import service_call


def _created(request, issued: tokens.IssuedToken, back: str):
    return render(request, "api/token_created.html", {"issued": issued, "back": back})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: tokens.api_token_create(
                by=request.user, user=request.user, **form.cleaned_data
            ),
            form=form,
        )
        if outcome:
            return _created(request, outcome.value, "api-tokens:list")
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens.tokens_of(request.user),
            "keeps_service_accounts": service_accounts.manages_any(request.user),
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if not tokens.may_keep_tokens_of(request.user, token.user):
        raise PermissionDenied(_("The tokens of this account are not yours to keep."))
    service_call(
        request,
        lambda: tokens.api_token_revoke(by=request.user, token=token),
        success=_("The token is revoked: requests that present it are refused."),
    )
    if token.user_id == request.user.pk:
        return redirect("api-tokens:list")
    return redirect("api-tokens:service-accounts")


def _require_keeper(user):
    organisations = service_accounts.managed_organisations(user)
    if not organisations.exists():
        raise PermissionDenied(_("Service accounts are kept by their organisation's manager."))
    return organisations


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def service_account_list(request):
    organisations = _require_keeper(request.user)
    form = ServiceAccountForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: service_accounts.service_account_create(by=request.user, **form.cleaned_data),
            form=form,
            success=_("The service account is made: give it a token."),
        )
        if outcome:
            return redirect("api-tokens:service-accounts")
    return render(
        request,
        "api/service_accounts.html",
        {
            "form": form,
            "accounts": service_accounts.service_accounts_for(request.user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def service_account_token(request, pk: int):
    """A new token of a service account the user keeps (another's: 404)."""
    account = get_object_or_404(service_accounts.service_accounts_for(request.user), pk=pk)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: tokens.api_token_create(
                by=request.user, user=account.user, **form.cleaned_data
            ),
            form=form,
        )
        if outcome:
            return _created(request, outcome.value, "api-tokens:service-accounts")
    return render(
        request,
        "api/service_account_token.html",
        {"account": account, "form": form},
    )
