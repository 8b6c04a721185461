"""Reads of charities, offers and allocations, each shaped for the people who may see it.

Staff read allocations through ``for_user`` like every queryset of personal data. Charities never
receive a model row that reaches a household: ``charity_allocations`` hands them anonymised rows
(a household code, the township, the tier, the need), and the public site reads offers only.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import REGION_ROLES, regions_for, scope_for
from bangfu.core import crypto
from bangfu.offers.models import Allocation, Charity, Offer
from bangfu.regions.models import Region, overlapping, within_any
from bangfu.registry.models import Household, Member, Need, Tier
from matching.types import AGE_UNLIMITED, TIERS

Role = Membership.Role


# --- who is who ------------------------------------------------------------------------------


def charities_of(user) -> QuerySet[Charity]:
    """The charities the user works for (active charity-staff memberships)."""
    if not getattr(user, "is_authenticated", False):
        return Charity.objects.none()
    return Charity.objects.filter(
        organisation__memberships__user=user,
        organisation__memberships__role=Role.CHARITY_STAFF,
        organisation__memberships__is_active=True,
        organisation__is_active=True,
    ).select_related("organisation__region")


def charity_of(user) -> Charity | None:
    return charities_of(user).order_by("pk").first()


def is_charity_staff(user) -> bool:
    return Role.CHARITY_STAFF in scope_for(user).roles


def is_moderator(user) -> bool:
    """Bureau roles moderate charities and offers of their region (auditors only read)."""
    scope = scope_for(user)
    return scope.everything or bool(scope.roles & (REGION_ROLES - {Role.AUDITOR}))


# --- staff -----------------------------------------------------------------------------------


def _scope_paths(user) -> list[str] | None:
    """The region paths a user's work covers; None for everything."""
    scope = scope_for(user)
    if scope.everything:
        return None
    paths = list(scope.region_paths)
    if scope.village_ids:
        paths += Region.objects.filter(pk__in=scope.village_ids).values_list("path", flat=True)
    return paths


def staff_offers(user) -> QuerySet[Offer]:
    """Offers submitted for an area the user works in (never drafts: those are the charity's)."""
    return (
        offers_in_area(user)
        .select_related("charity__organisation__region", "category")
        .with_allocated()
    )


def offers_in_area(user) -> QuerySet[Offer]:
    """``staff_offers`` without their joins and allocated units: for a page that shows less."""
    offers = Offer.objects.exclude(status=Offer.Status.DRAFT)
    paths = _scope_paths(user)
    if paths is None:
        return offers
    if not paths:
        return offers.none()
    by_area = Offer.objects.filter(overlapping(paths, "regions"))
    by_charity = Offer.objects.filter(regions=None).filter(
        overlapping(paths, "charity__organisation__region")
    )
    return offers.filter(Q(pk__in=by_area.values("pk")) | Q(pk__in=by_charity.values("pk")))


def charities_to_moderate(user) -> QuerySet[Charity]:
    """Charities registered in the regions where the user holds a bureau role."""
    if not is_moderator(user):
        return Charity.objects.none()
    return Charity.objects.filter(organisation__region__in=regions_for(user)).select_related(
        "organisation__region"
    )


def needs_eligible_for(offer: Offer, *, today: dt.date | None = None) -> QuerySet[Need]:
    """Open needs the offer may go to, unscoped: the single definition of eligibility.

    A need qualifies when it is open, of a category the offer meets, in an active household of
    the offer's area and tiers that has no live allocation of this offer, and — when the offer
    asks for it — a member of the age range or with a disability of the given grades.
    """
    today = today or timezone.localdate()
    area = within_any(offer.area(), "household__region")
    needs = Need.objects.open().filter(
        area,
        category__in=offer.category_ids(),
        household__status=Household.Status.ACTIVE,
    )
    if offer.tiers:
        needs = needs.filter(household__tier__in=offer.tiers)
    members = Member.objects.filter(household=OuterRef("household"))
    if offer.min_age is not None:
        members = members.filter(birth_date__lte=_years_before(today, offer.min_age))
    if offer.max_age is not None:
        members = members.filter(birth_date__gt=_years_before(today, offer.max_age + 1))
    if offer.disability_max_grade is not None:
        members = members.exclude(disability=Member.Disability.NONE).filter(
            disability_grade__lte=offer.disability_max_grade
        )
    if offer.min_age is not None or offer.max_age is not None or offer.disability_max_grade:
        needs = needs.filter(Exists(members))
    taken = Allocation.objects.live().filter(offer=offer, household=OuterRef("household"))
    return needs.exclude(Exists(taken))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def eligible_needs(offer: Offer, user, *, today: dt.date | None = None) -> QuerySet[Need]:
    """The eligible needs this staff member may allocate to, highest priority first."""
    return (
        needs_eligible_for(offer, today=today)
        .for_user(user)
        .select_related("household__region__parent", "category")
        .order_by("-priority", "opened_on", "pk")
    )


def staff_allocations(offer: Offer, user) -> QuerySet[Allocation]:
    return (
        Allocation.objects.for_user(user)
        .filter(offer=offer)
        .select_related("household__region__parent", "need__category", "allocated_by")
    )


# --- charities -------------------------------------------------------------------------------


def household_code(charity_id: int, household_id: int) -> str:
    """A household's pseudonym for one charity: stable across its offers, meaningless elsewhere.

    A keyed hash, so a charity cannot turn it back into a household or match it with another
    charity's codes.
    """
    digest = crypto.lookup_hash(f"offers:charity:{charity_id}:household:{household_id}")
    return f"{digest[:4]}-{digest[4:8]}".upper()


@dataclass(frozen=True)
class AnonymousAllocation:
    """What a charity sees of an allocation: never a name, ID number, phone or address."""

    pk: int
    household_code: str
    township: str
    tier: str
    need: str
    units: int
    amount: Decimal
    status: str
    status_label: str
    allocated_on: dt.date
    delivered_on: dt.date | None

    @property
    def is_deliverable(self) -> bool:
        return self.status == Allocation.Status.ALLOCATED


def charity_offers(charity: Charity) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(charity=charity)
        .select_related("category", "charity__organisation__region")
        .with_allocated()
    )


def charity_allocations(offer: Offer) -> list[AnonymousAllocation]:
    """The offer's allocations as its charity may see them (cancelled ones left out)."""
    tiers = dict(Tier.choices)
    rows = (
        Allocation.objects.filter(offer=offer)
        .live()
        .order_by("allocated_at", "pk")
        .values_list(
            "pk",
            "household_id",
            "household__region__parent__name",
            "household__tier",
            "need__category__name",
            "units",
            "amount",
            "status",
            "allocated_at",
            "delivered_on",
        )
    )
    statuses = dict(Allocation.Status.choices)
    return [
        AnonymousAllocation(
            pk=pk,
            household_code=household_code(offer.charity_id, household_id),
            township=township or "",
            tier=str(tiers.get(tier, tier)),
            need=need,
            units=units,
            amount=amount,
            status=status,
            status_label=str(statuses[status]),
            allocated_on=timezone.localtime(allocated_at).date(),
            delivered_on=delivered_on,
        )
        for (
            pk,
            household_id,
            township,
            tier,
            need,
            units,
            amount,
            status,
            allocated_at,
            delivered_on,
        ) in rows
    ]


def charity_allocation(charity: Charity, pk: int) -> Allocation | None:
    """One live allocation of the charity's offers, for the delivery service (not for display)."""
    return (
        Allocation.objects.live()
        .filter(offer__charity=charity, pk=pk)
        .select_related("offer__charity")
        .first()
    )


# --- public ----------------------------------------------------------------------------------


def _for_notices(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    return (
        offers.select_related("charity__organisation__region", "category")
        .prefetch_related("regions", "need_categories")
        .with_allocated()
    )


def public_offers(*, today: dt.date | None = None) -> QuerySet[Offer]:
    """Published offers valid today with what is left of them, soonest-ending first."""
    return _for_notices(Offer.objects.published(today)).order_by("valid_until", "pk")


def listed_offers(*, today: dt.date | None = None) -> QuerySet[Offer]:
    """Offers the public lists: those valid today, soonest-ending first, then those approved
    ahead of their start (即将开始), soonest-starting first."""
    today = today or timezone.localdate()
    upcoming = Case(When(valid_from__gt=today, then=Value(1)), default=Value(0))
    return _for_notices(Offer.objects.listed(today)).order_by(
        upcoming,
        Case(When(valid_from__gt=today, then=F("valid_from")), default=F("valid_until")),
        "valid_until",
        "pk",
    )


# --- the matching engine ---------------------------------------------------------------------


@dataclass(frozen=True)
class OfferProvider:
    """An offer as a provider of the matching engine (kind "offer" in ``matching.types``).

    ``tiers`` are ``Tier`` values (empty: every tier); ``min_age``/``max_age`` are 0 and
    ``AGE_UNLIMITED`` when unrestricted; ``disability_max_grade`` is 0 when the offer asks for no
    disability; ``region_prefixes`` are GB/T 2260 codes a need's village code must start with;
    ``unit_amount_fen`` is the value per household in fen.
    """

    pk: int
    name: str
    category_ids: tuple[int, ...]
    lat: float
    lon: float
    radius_km: float
    remaining_households: int
    tiers: tuple[str, ...]
    min_age: int
    max_age: int
    disability_max_grade: int
    region_prefixes: tuple[str, ...]
    unit_amount_fen: int

    @property
    def tier_mask(self) -> int:
        """The ``Providers.tiers`` bit mask (bit i for ``TIERS[i]``)."""
        if not self.tiers:
            return (1 << len(TIERS)) - 1
        return sum(1 << TIERS.index(tier) for tier in self.tiers)


def offer_providers(county: Region, *, today: dt.date | None = None) -> list[OfferProvider]:
    """Published offers with households left whose area lies in the county, ordered by pk.

    Three queries whatever the number of offers (offers, their areas, their extra categories).
    """
    offers = [
        offer
        for offer in public_offers(today=today).order_by("pk")
        if offer.remaining_households() > 0
    ]
    result = []
    for offer in offers:
        area = offer.area()
        inside = [region for region in area if region.is_within(county)]
        if not inside:
            continue
        centre = next((r for r in inside if r.latitude is not None), None) or next(
            (r for r in county.ancestors() if r.latitude is not None), None
        )
        result.append(
            OfferProvider(
                pk=offer.pk,
                name=f"{offer.title} · {offer.charity.name}",
                category_ids=tuple(offer.category_ids()),
                lat=float(centre.latitude) if centre else 0.0,
                lon=float(centre.longitude) if centre else 0.0,
                radius_km=float(offer.reach_km),
                remaining_households=offer.remaining_households(),
                tiers=tuple(t for t in TIERS if t in offer.tiers),
                min_age=offer.min_age if offer.min_age is not None else 0,
                max_age=offer.max_age if offer.max_age is not None else AGE_UNLIMITED,
                disability_max_grade=offer.disability_max_grade or 0,
                region_prefixes=tuple(sorted(region.code for region in inside)),
                unit_amount_fen=int(offer.amount_per_household * 100),
            )
        )
    return result
