"""The two-factor pages under /accounts/two-factor/: the code after the password, enrolment
(QR code and secret, confirmed with a code, then ten recovery codes shown once), and one's
devices. The middleware leaves these pages open, so each checks for itself that a user who has
a device has proven it in this session before changing anything."""

from urllib.parse import urlencode

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bangfu.accounts import two_factor
from bangfu.core.masking import mask_phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class RemoveForm(CodeForm):
    device = forms.CharField(widget=forms.HiddenInput)


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def _wrong_code(request, form):
    """After a refused code: the form again with its error, or, if that code locked the account
    (the session ended), axes's locked-out page (its middleware replaces this response)."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    form.add_error("code", _("This code is wrong or has expired."))
    return None


def _unproven(request) -> bool:
    """A user with a device whose session has not proven it yet."""
    return not request.user.is_verified() and django_otp.user_has_device(request.user)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    state = two_factor.second_factor_state(user)
    request.session[two_factor.STATE_SESSION_KEY] = state
    if state == two_factor.ENROL:
        return redirect(_with_next("accounts:two-factor-enrol", request))
    if state == two_factor.NONE:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if two_factor.code_verify(request=request, code=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        if refused := _wrong_code(request, form):
            return refused
    return render(
        request,
        "accounts/two_factor/verify.html",
        {"form": form, "next": _next_url(request), "sms": two_factor.sms_available(user)},
    )


@never_cache
@login_required
@require_POST
def sms_send(request):
    if request.user.is_verified() or not django_otp.user_has_device(request.user):
        return redirect(_next_url(request))
    if two_factor.sms_code_send(user=request.user):
        messages.success(
            request,
            _("A code was sent to %(phone)s. It is valid for 5 minutes.")
            % {"phone": mask_phone(request.user.phone)},
        )
    else:
        messages.error(request, _("No code could be sent now. Use your app or a recovery code."))
    return redirect(_with_next("accounts:two-factor-verify", request))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    if _unproven(request):  # adding an authenticator needs the one there is
        return redirect(_with_next("accounts:two-factor-verify", request))
    device = two_factor.totp_enrolment_start(user=request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = two_factor.totp_enrolment_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            return _recovery_codes_page(request, codes)
        if refused := _wrong_code(request, form):
            return refused
    return render(
        request,
        "accounts/two_factor/enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "required": two_factor.two_factor_required(request.user),
        },
    )


def _recovery_codes_page(request, codes):
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


@never_cache
@login_required
@require_http_methods(["GET"])
def manage(request):
    if _unproven(request):
        return redirect(_with_next("accounts:two-factor-verify", request))
    user = request.user
    devices = []
    for device in two_factor.devices_of(user):
        if isinstance(device, TOTPDevice):
            detail = ""
        elif isinstance(device, StaticDevice):
            left = device.token_set.count()
            detail = _("%(count)d unused") % {"count": left}
        else:
            detail = mask_phone(user.phone)
        devices.append(
            {
                "device": device,
                "label": two_factor.device_label(device),
                "detail": detail,
                "form": RemoveForm(initial={"device": device.persistent_id}),
            }
        )
    return render(
        request,
        "accounts/two_factor/manage.html",
        {
            "devices": devices,
            "has_authenticator": any(isinstance(d["device"], TOTPDevice) for d in devices),
            "required": two_factor.two_factor_required(user),
            "codes_form": CodeForm(),
        },
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    if _unproven(request) or not django_otp.user_has_device(request.user):
        return redirect("accounts:two-factor")
    form = CodeForm(request.POST)
    if form.is_valid() and two_factor.code_proven(
        request=request, code=form.cleaned_data["code"], step="new recovery codes"
    ):
        return _recovery_codes_page(request, two_factor.recovery_codes_create(user=request.user))
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    messages.error(request, _("This code is wrong or has expired."))
    return redirect("accounts:two-factor")


@never_cache
@login_required
@require_POST
def remove(request):
    if _unproven(request):
        return redirect("accounts:two-factor")
    form = RemoveForm(request.POST)
    if form.is_valid() and two_factor.device_remove(
        request=request,
        persistent_id=form.cleaned_data["device"],
        code=form.cleaned_data["code"],
    ):
        messages.success(request, _("The device was removed."))
    elif not request.user.is_authenticated:
        return redirect("accounts:login")
    else:
        messages.error(request, _("This code is wrong or has expired."))
    return redirect("accounts:two-factor")
