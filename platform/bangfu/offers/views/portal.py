"""The charity portal (/charity/): register, post offers, follow them, record delivery.

A charity sees its own offers and, of their allocations, only anonymised rows
(``selectors.charity_allocations``): a household code, the township, the tier and the need —
never a name, an ID number, a phone number or an address.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.core import throttle
from bangfu.core.views import service_call
from bangfu.offers import selectors, services
from bangfu.offers.forms import CharityRegistrationForm, DeliveryForm, OfferForm
from bangfu.offers.models import Charity, Offer

REGISTRATIONS_PER_ADDRESS = (5, 24 * 60 * 60)


def _charity(request) -> Charity:
    charity = selectors.charity_of(request.user)
    if charity is None:
        raise PermissionDenied(_("The charity portal is for charity staff."))
    return charity


def _offer(request, pk: int) -> tuple[Charity, Offer]:
    charity = _charity(request)
    offer = get_object_or_404(selectors.charity_offers(charity), pk=pk)
    return charity, offer


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    form = CharityRegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        allowed = throttle.allow_address(
            "charity-register",
            request,
            limit=REGISTRATIONS_PER_ADDRESS[0],
            window=REGISTRATIONS_PER_ADDRESS[1],
        )
        if not allowed:
            form.is_valid()  # an error can only be added to a form that has been cleaned
            form.add_error(None, _("Too many attempts. Please try again tomorrow."))
        elif form.is_valid():
            data = form.cleaned_data
            charity = service_call(
                request,
                lambda: services.charity_register(
                    name=data["name"],
                    region=data["region"],
                    contact_name=data["contact_name"],
                    phone=data["phone"],
                    email=data["email"],
                    username=data["username"],
                    password=data["password"],
                    unified_credit_code=data["unified_credit_code"],
                    certificate_number=data["certificate_number"],
                    introduction=data["introduction"],
                ),
                form=form,
            )
            if charity:
                messages.success(
                    request,
                    _("Registered. Log in now; the bureau will review the charity."),
                )
                return redirect("accounts:login")
    return render(request, "offers/portal/register.html", {"form": form})


@never_cache
@login_required
@require_GET
def home(request):
    charity = _charity(request)
    return render(
        request,
        "offers/portal/home.html",
        {"charity": charity, "offers": selectors.charity_offers(charity)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request):
    charity = _charity(request)
    if not charity.is_approved:
        messages.error(request, _("You can post offers once the bureau has approved the charity."))
        return redirect("charity:home")
    form = OfferForm(request.POST or None, charity=charity)
    if request.method == "POST" and form.is_valid():
        offer = service_call(
            request,
            lambda: services.offer_create(
                charity=charity, by=request.user, **form.service_fields()
            ),
            form=form,
        )
        if offer:
            messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect("charity:offer", pk=offer.value.pk)
    return render(request, "offers/portal/offer_form.html", {"form": form, "charity": charity})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def offer_update(request, pk: int):
    charity, offer = _offer(request, pk)
    if not offer.is_editable:
        raise Http404
    form = OfferForm(request.POST or None, instance=offer, charity=charity)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        # The form wrote its values on the instance: the service reloads and applies them.
        saved = service_call(
            request,
            lambda: services.offer_update(offer=offer, by=request.user, **fields),
            form=form,
        )
        if saved:
            messages.success(request, _("Changes saved."))
            return redirect("charity:offer", pk=offer.pk)
    return render(
        request,
        "offers/portal/offer_form.html",
        {"form": form, "charity": charity, "offer": offer},
    )


@never_cache
@login_required
@require_GET
def offer_detail(request, pk: int):
    charity, offer = _offer(request, pk)
    return render(
        request,
        "offers/portal/offer_detail.html",
        {
            "charity": charity,
            "offer": offer,
            "eligibility": offer.eligibility_in_words(),
            "allocations": selectors.charity_allocations(offer),
            "delivery_form": DeliveryForm(),
            "public_page": getattr(offer, "public_page", None),
        },
    )


@login_required
@require_POST
def offer_submit(request, pk: int):
    _charity_obj, offer = _offer(request, pk)
    service_call(
        request,
        lambda: services.offer_submit(offer=offer, by=request.user),
        success=_("Sent to the bureau for review."),
    )
    return redirect("charity:offer", pk=offer.pk)


@login_required
@require_POST
def offer_close(request, pk: int):
    _charity_obj, offer = _offer(request, pk)
    service_call(
        request,
        lambda: services.offer_close(offer=offer, by=request.user),
        success=_("The offer is closed."),
    )
    return redirect("charity:offer", pk=offer.pk)


@login_required
@require_POST
def deliver(request, pk: int):
    charity = _charity(request)
    allocation = selectors.charity_allocation(charity, pk)
    if allocation is None:
        raise Http404
    form = DeliveryForm(request.POST)
    if form.is_valid():
        service_call(
            request,
            lambda: services.delivery_record(
                allocation=allocation,
                by=request.user,
                delivered_on=form.cleaned_data["delivered_on"],
                note=form.cleaned_data["note"],
            ),
            success=_("Delivery recorded."),
        )
    else:
        messages.error(request, _("Give the date of delivery."))
    return redirect("charity:offer", pk=allocation.offer_id)
