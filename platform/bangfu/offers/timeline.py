"""The charity offers given to a household, on its page in the registry
(``bangfu.registry.timeline``): each allocation, its delivery or its cancellation.

Two queries whatever the number of allocations, scoped to the user; an offer links to its page
when the user's area lists it (``selectors.staff_offers``).
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.core.templatetags.money import yuan
from bangfu.offers.models import Allocation
from bangfu.offers.selectors import staff_offers
from bangfu.registry.timeline import Event, category_name, day, register

TONES = {Allocation.Status.ALLOCATED: "ok", Allocation.Status.DELIVERED: "done"}


@register
def offer_events(household, user) -> Iterable[Event]:
    allocations = list(
        Allocation.objects.for_user(user)
        .filter(household=household)
        .select_related("offer__charity__organisation", "need__category")
        .only(
            *("units", "amount", "status", "allocated_at", "delivered_on", "cancelled_at"),
            *("offer__title", "offer__unit", "offer__charity__organisation__name"),
            "need__category",
        )
    )
    if not allocations:
        return
    listed = set(
        staff_offers(user)
        .filter(pk__in={allocation.offer_id for allocation in allocations})
        .values_list("pk", flat=True)
    )
    for allocation in allocations:
        offer = allocation.offer
        names = {"offer": offer.title, "charity": offer.charity.organisation.name}
        url = reverse("offers:detail", args=[offer.pk]) if offer.pk in listed else ""
        if allocation.delivered_on:
            yield Event(
                at=day(allocation.delivered_on),
                kind=_("Offer"),
                title=_("Delivered: %(offer)s") % names,
                url=url,
                day_only=True,
            )
        if allocation.cancelled_at:
            yield Event(
                at=allocation.cancelled_at,
                kind=_("Offer"),
                title=_("Allocation cancelled: %(offer)s") % names,
                url=url,
            )
        yield Event(
            at=allocation.allocated_at,
            kind=_("Offer"),
            title=_("Offer allocated: %(offer)s (%(charity)s)") % names,
            detail=_("%(units)d %(unit)s worth %(amount)s yuan, for %(service)s")
            % {
                "units": allocation.units,
                "unit": offer.unit,
                "amount": yuan(allocation.amount),
                "service": category_name(allocation.need.category),
            },
            url=url,
            state=allocation.get_status_display(),
            tone=TONES.get(allocation.status, ""),
        )
