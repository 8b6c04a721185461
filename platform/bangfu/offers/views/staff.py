"""The bureau's side: approve charities, moderate offers, allocate them to households' needs.

Offers are read through ``selectors.staff_offers`` (the user's area), households and needs
through ``for_user``: a need outside the user's area is never listed, and allocating to it is
refused by the service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bangfu.accounts.scoping import holds_role_over, scope_for
from bangfu.core.views import service_call
from bangfu.offers import selectors, services
from bangfu.offers.forms import ReasonForm
from bangfu.offers.models import Allocation, Offer
from bangfu.registry.models import Need

ELIGIBLE_SHOWN = 50


def _require_staff(user) -> None:
    scope = scope_for(user)
    if scope.is_empty:
        if selectors.is_charity_staff(user):
            raise PermissionDenied(_("Charity staff work in the charity portal."))
        raise PermissionDenied(_("These pages are for the bureau's staff."))


def _offer(request, pk: int) -> Offer:
    return get_object_or_404(selectors.staff_offers(request.user), pk=pk)


@never_cache
@login_required
@require_GET
def offer_list(request):
    if selectors.is_charity_staff(request.user) and scope_for(request.user).is_empty:
        return redirect("charity:home")
    _require_staff(request.user)
    offers = list(selectors.staff_offers(request.user).order_by("status", "valid_until", "pk"))
    today = timezone.localdate()
    return render(
        request,
        "offers/staff/offer_list.html",
        {
            "charities": selectors.charities_to_moderate(request.user).order_by(
                "status", "-registered_at"
            ),
            "pending": [o for o in offers if o.status == Offer.Status.PENDING],
            "published": [
                o for o in offers if o.status == Offer.Status.APPROVED and o.valid_until >= today
            ],
            "past": [
                o
                for o in offers
                if o.status in (Offer.Status.CLOSED, Offer.Status.RETURNED)
                or (o.status == Offer.Status.APPROVED and o.valid_until < today)
            ],
            "is_moderator": selectors.is_moderator(request.user),
        },
    )


@never_cache
@login_required
@require_GET
def offer_detail(request, pk: int):
    _require_staff(request.user)
    offer = _offer(request, pk)
    scope = scope_for(request.user)
    today = timezone.localdate()
    can_allocate = (
        scope.can_write
        and offer.status == Offer.Status.APPROVED
        and offer.charity.is_approved
        and offer.is_valid_on(today)
    )
    eligible = []
    if can_allocate and offer.remaining_households() > 0:
        eligible = list(selectors.eligible_needs(offer, request.user)[:ELIGIBLE_SHOWN])
    return render(
        request,
        "offers/staff/offer_detail.html",
        {
            "offer": offer,
            "charity": offer.charity,
            "eligibility": offer.eligibility_in_words(),
            "allocations": selectors.staff_allocations(offer, request.user),
            "eligible": eligible,
            "can_allocate": can_allocate,
            "can_review": offer.status == Offer.Status.PENDING
            and holds_role_over(request.user, services.MODERATOR_ROLES, offer.moderating_region()),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def offer_approve(request, pk: int):
    offer = _offer(request, pk)
    service_call(
        request,
        lambda: services.offer_approve(offer=offer, by=request.user),
        success=_("The offer is published on the public site."),
    )
    return redirect("offers:detail", pk=offer.pk)


@login_required
@require_POST
def offer_return(request, pk: int):
    offer = _offer(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service_call(
            request,
            lambda: services.offer_return(
                offer=offer, by=request.user, reason=form.cleaned_data["reason"]
            ),
            success=_("The offer went back to the charity."),
        )
    else:
        messages.error(request, _("Say what the charity should change."))
    return redirect("offers:detail", pk=offer.pk)


@login_required
@require_POST
def offer_close(request, pk: int):
    offer = _offer(request, pk)
    service_call(
        request,
        lambda: services.offer_close(offer=offer, by=request.user),
        success=_("The offer is closed."),
    )
    return redirect("offers:detail", pk=offer.pk)


@login_required
@require_POST
def allocate(request, pk: int):
    offer = _offer(request, pk)
    need = get_object_or_404(Need.objects.for_user(request.user), pk=request.POST.get("need"))
    service_call(
        request,
        lambda: services.allocation_confirm(offer=offer, need=need, by=request.user),
        success=_("Allocated to household %(number)s.")
        % {"number": need.household.registry_number},
    )
    return redirect("offers:detail", pk=offer.pk)


@login_required
@require_POST
def allocation_cancel(request, pk: int):
    allocation = get_object_or_404(Allocation.objects.for_user(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service_call(
            request,
            lambda: services.allocation_cancel(
                allocation=allocation, by=request.user, reason=form.cleaned_data["reason"]
            ),
            success=_("The allocation is cancelled; its units are free again."),
        )
    else:
        messages.error(request, _("Say why the allocation is cancelled."))
    return redirect("offers:detail", pk=allocation.offer_id)


@never_cache
@login_required
@require_GET
def charity_detail(request, pk: int):
    charity = get_object_or_404(selectors.charities_to_moderate(request.user), pk=pk)
    return render(
        request,
        "offers/staff/charity_detail.html",
        {
            "charity": charity,
            "offers": selectors.charity_offers(charity).exclude(status=Offer.Status.DRAFT),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def charity_approve(request, pk: int):
    charity = get_object_or_404(selectors.charities_to_moderate(request.user), pk=pk)
    service_call(
        request,
        lambda: services.charity_approve(charity=charity, by=request.user),
        success=_("The charity is approved: its staff can post offers."),
    )
    return redirect("offers:charity", pk=charity.pk)


@login_required
@require_POST
def charity_reject(request, pk: int):
    charity = get_object_or_404(selectors.charities_to_moderate(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service_call(
            request,
            lambda: services.charity_reject(
                charity=charity, by=request.user, reason=form.cleaned_data["reason"]
            ),
            success=_("The charity was refused or suspended."),
        )
    else:
        messages.error(request, _("Say why, so the charity can put it right."))
    return redirect("offers:charity", pk=charity.pk)
