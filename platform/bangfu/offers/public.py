"""What the public site may know of charity offers: plain records of public fields only.

The site (``cms``) reads offers through this module alone. A record carries what the offer's
notice shows — the offer, its charity's name and introduction, what is left and how many
households were reached — and never a household, an allocation or a staff member. Records are
built at each request from ``offers.selectors.listed_offers`` and the offer's own methods, so
the figures are always the current ones.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from bangfu.offers.models import Allocation, Offer
from bangfu.offers.selectors import listed_offers


@dataclass(frozen=True)
class OfferNotice:
    """A published offer as the public sees it (approved, by an approved charity)."""

    pk: int
    title: str
    description: str
    charity: str
    charity_introduction: str
    kind: str
    category: str
    # The categories of need it meets, in Chinese and English, for the site's search.
    keywords: tuple[str, ...]
    unit: str
    quantity: int
    units_per_household: int
    remaining_units: int
    remaining_households: int
    households_total: int
    delivered_households: int
    amount_per_household: Decimal
    valid_from: dt.date
    valid_until: dt.date
    area: tuple[str, ...]
    eligibility: tuple[str, ...]
    delivery: str
    delivery_note: str
    # Valid today; approved ahead of its start, it is listed as starting soon (即将开始) with
    # ``valid_from``; past its dates it stays on its page, marked as ended, and leaves the lists.
    is_current: bool
    is_upcoming: bool

    @property
    def share_left(self) -> int:
        """Percentage of the quantity still left (for the bar on the page)."""
        return round(100 * self.remaining_units / self.quantity) if self.quantity else 0


def _notice(offer: Offer, delivered: int, today: dt.date) -> OfferNotice:
    charity = offer.charity
    return OfferNotice(
        pk=offer.pk,
        title=offer.title,
        description=offer.description,
        charity=charity.name,
        charity_introduction=charity.introduction,
        kind=offer.get_kind_display(),
        category=offer.category.name,
        keywords=tuple(f"{c.name} {c.name_en}" for c in offer._categories()),
        unit=offer.unit,
        quantity=offer.quantity,
        units_per_household=offer.units_per_household,
        remaining_units=offer.remaining_units(),
        remaining_households=offer.remaining_households(),
        households_total=offer.households_total,
        delivered_households=delivered,
        amount_per_household=offer.amount_per_household,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        area=tuple(region.name for region in offer.area()),
        eligibility=tuple(offer.eligibility_in_words()),
        delivery=offer.get_delivery_method_display(),
        delivery_note=offer.delivery_note,
        is_current=offer.is_valid_on(today),
        is_upcoming=today < offer.valid_from,
    )


def _delivered_counts(offer_ids) -> dict[int, int]:
    """Households that received each offer (a count, never who)."""
    rows = (
        Allocation.objects.filter(offer_id__in=offer_ids, status=Allocation.Status.DELIVERED)
        .values("offer_id")
        .annotate(n=Count("household", distinct=True))
    )
    return {row["offer_id"]: row["n"] for row in rows}


def offer_notice(pk: int) -> OfferNotice | None:
    """The offer's notice while the bureau has it published and its charity is approved; None
    for a draft, an offer under review or closed, or one of a suspended charity."""
    offer = (
        Offer.objects.filter(pk=pk, status=Offer.Status.APPROVED)
        .select_related("charity__organisation__region", "category")
        .prefetch_related("regions", "need_categories")
        .with_allocated()
        .first()
    )
    if offer is None or not offer.charity.is_approved:
        return None
    return _notice(offer, _delivered_counts([pk]).get(pk, 0), timezone.localdate())


def listed_offer_notices(
    *, ids=None, limit: int | None = None, today: dt.date | None = None
) -> list[OfferNotice]:
    """Notices of the offers that have not ended (of ``ids`` only, if given): those valid today,
    soonest-ending first, then those starting later, soonest-starting first."""
    today = today or timezone.localdate()
    offers = listed_offers(today=today)
    if ids is not None:
        offers = offers.filter(pk__in=list(ids))
    offers = list(offers[:limit] if limit is not None else offers)
    delivered = _delivered_counts([offer.pk for offer in offers])
    return [_notice(offer, delivered.get(offer.pk, 0), today) for offer in offers]


def submitted_offer_ids() -> list[int]:
    """Every offer that has been put before the bureau: those a full resync of the site
    looks at (drafts never reach it)."""
    return list(
        Offer.objects.exclude(status=Offer.Status.DRAFT).order_by("pk").values_list("pk", flat=True)
    )
