"""The only code that writes charities, offers and allocations.

Every service is one transaction and checks who is acting. Allocation locks the offer's row
(``select_for_update``) before it counts what is left, so concurrent allocations of one offer
queue behind each other and the quantity is never over-committed; what is left is counted from
the allocations themselves, never kept in a counter. The public page of an offer follows its
status: every change the public may see is announced with ``core.publications.published``,
which reaches the public site when the transaction commits.
"""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership, Organisation, User
from bangfu.accounts.scoping import holds_role_over, scope_for
from bangfu.core.masking import mask_text
from bangfu.core.publications import published
from bangfu.offers import selectors
from bangfu.offers.models import Allocation, Charity, Offer
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Need, ServiceCategory

Role = Membership.Role
MODERATOR_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_MANAGER)
OFFER_FIELDS = {
    "title",
    "description",
    "kind",
    "category",
    "quantity",
    "unit",
    "units_per_household",
    "amount_per_household",
    "tiers",
    "min_age",
    "max_age",
    "disability_max_grade",
    "reach_km",
    "valid_from",
    "valid_until",
    "delivery_method",
    "delivery_note",
}


class OfferExhausted(ValidationError):
    def __init__(self, offer: Offer):
        super().__init__(
            _("Nothing is left of “%(offer)s” for another household.") % {"offer": offer.title}
        )
        self.offer = offer


# --- permissions -----------------------------------------------------------------------------


def require_charity_staff(*, by, charity: Charity) -> None:
    if by.is_superuser:
        return
    if not selectors.charities_of(by).filter(pk=charity.pk).exists():
        raise PermissionDenied(_("You do not work for this charity."))


def require_moderator(*, by, region: Region) -> None:
    if not holds_role_over(by, MODERATOR_ROLES, region):
        raise PermissionDenied(_("Only the bureau of this region may decide."))


def require_allocator(*, by, household: Household) -> None:
    """Registry writers (bureau staff, assistants) whose area holds the household."""
    if not scope_for(by).can_write:
        raise PermissionDenied(_("Your role cannot allocate offers."))
    if not Household.objects.for_user(by).filter(pk=household.pk).exists():
        raise PermissionDenied(_("This household is outside your area."))


# --- charities -------------------------------------------------------------------------------


@transaction.atomic
def charity_register(
    *,
    name: str,
    region: Region,
    contact_name: str,
    phone: str,
    email: str,
    username: str,
    password: str,
    unified_credit_code: str = "",
    certificate_number: str = "",
    introduction: str = "",
) -> Charity:
    """A charity signs up: its organisation, its first staff log-in, a registration to approve.

    The log-in works at once but the charity can post nothing until the bureau approves it.
    """
    if region.level not in (Region.Level.CITY, Region.Level.COUNTY):
        raise ValidationError({"region": _("Register with a city or county bureau.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    organisation = Organisation(
        kind=Organisation.Kind.CHARITY,
        name=name.strip(),
        region=region,
        unified_credit_code=unified_credit_code.strip().upper(),
        contact_phone=phone.strip(),
    )
    organisation.full_clean()
    if Organisation.objects.filter(
        kind=Organisation.Kind.CHARITY, name=organisation.name, region=region
    ).exists():
        raise ValidationError({"name": _("A charity of this name is already registered here.")})
    user = User(username=username, email=email, display_name=contact_name, phone=phone)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    organisation.save()
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=Role.CHARITY_STAFF)
    charity = Charity(
        organisation=organisation,
        contact_name=contact_name.strip(),
        certificate_number=certificate_number.strip(),
        introduction=introduction.strip(),
    )
    charity.full_clean()
    charity.save()
    return charity


def _decide(charity: Charity, *, by, status: str, note: str) -> Charity:
    charity = Charity.locked(charity.pk, "organisation__region")
    require_moderator(by=by, region=charity.organisation.region)
    at = timezone.now()
    fields = {"decided_by": by, "decided_at": at, "decision_note": note}
    charity.move(to=status, by=by, at=at, reason=note[:200], fields=fields)
    return charity


@transaction.atomic
def charity_approve(*, charity: Charity, by) -> Charity:
    if charity.status == Charity.Status.APPROVED:
        raise ValidationError(_("This charity is approved already."))
    charity = _decide(charity, by=by, status=Charity.Status.APPROVED, note="")
    for offer in charity.offers.filter(status=Offer.Status.APPROVED):
        published("offer", offer.pk)
    return charity


@transaction.atomic
def charity_reject(*, charity: Charity, by, reason: str) -> Charity:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the charity can put it right.")})
    was_approved = charity.status == Charity.Status.APPROVED
    status = Charity.Status.SUSPENDED if was_approved else Charity.Status.REJECTED
    charity = _decide(charity, by=by, status=status, note=reason.strip())
    for offer in charity.offers.filter(status=Offer.Status.APPROVED):
        published("offer", offer.pk)
    return charity


# --- offers ----------------------------------------------------------------------------------


def _check_area(charity: Charity, regions: Iterable[Region]) -> None:
    outside = [r.name for r in regions if not r.is_within(charity.region)]
    if outside:
        raise ValidationError(
            {"regions": _("Outside the charity's region: %s") % "、".join(outside)}
        )


def _check_categories(categories: Iterable[ServiceCategory]) -> None:
    if any(category.kind != ServiceCategory.Kind.SERVICE for category in categories):
        raise ValidationError({"category": _("Choose services to people.")})


def _save_offer(offer: Offer, *, need_categories, regions) -> Offer:
    _check_categories([offer.category, *(need_categories or [])])
    if regions is not None:
        _check_area(offer.charity, regions)
    offer.full_clean()
    offer.save()
    if need_categories is not None:
        offer.need_categories.set(need_categories)
    if regions is not None:
        offer.regions.set(regions)
    return offer


@transaction.atomic
def offer_create(*, charity: Charity, by, need_categories=(), regions=(), **fields) -> Offer:
    """A draft offer of an approved charity."""
    require_charity_staff(by=by, charity=charity)
    if not charity.is_approved:
        raise PermissionDenied(_("The charity can post offers once the bureau has approved it."))
    unknown = set(fields) - OFFER_FIELDS
    if unknown:
        raise TypeError(f"unknown offer fields: {sorted(unknown)}")
    offer = Offer(charity=charity, created_by=by, **fields)
    return _save_offer(offer, need_categories=list(need_categories), regions=list(regions))


@transaction.atomic
def offer_update(*, offer: Offer, by, need_categories=None, regions=None, **fields) -> Offer:
    """Change a draft or a returned offer; a published offer is closed and posted anew."""
    offer = Offer.locked(offer.pk, "charity__organisation")
    require_charity_staff(by=by, charity=offer.charity)
    if not offer.is_editable:
        raise ValidationError(_("Only drafts and returned offers can be changed."))
    unknown = set(fields) - OFFER_FIELDS
    if unknown:
        raise TypeError(f"unknown offer fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(offer, name, value)
    return _save_offer(
        offer,
        need_categories=None if need_categories is None else list(need_categories),
        regions=None if regions is None else list(regions),
    )


@transaction.atomic
def offer_submit(*, offer: Offer, by) -> Offer:
    """Send a draft (or a corrected returned offer) to the bureau for review."""
    offer = Offer.locked(offer.pk, "charity__organisation")
    require_charity_staff(by=by, charity=offer.charity)
    if not offer.is_editable:
        raise ValidationError(_("This offer has been submitted already."))
    if offer.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("This offer has expired; change its dates.")})
    at = timezone.now()
    offer.move(to=Offer.Status.PENDING, by=by, at=at, fields={"submitted_at": at})
    return offer


def _locked_for_review(offer: Offer, by) -> Offer:
    offer = Offer.locked(offer.pk, "charity__organisation__region")
    require_moderator(by=by, region=offer.moderating_region())
    if offer.status != Offer.Status.PENDING:
        raise ValidationError(_("This offer is not waiting for review."))
    return offer


@transaction.atomic
def offer_approve(*, offer: Offer, by) -> Offer:
    """Publish the offer: its public page appears when the transaction commits."""
    offer = _locked_for_review(offer, by)
    if not offer.charity.is_approved:
        raise ValidationError(_("The charity itself is not approved."))
    at = timezone.now()
    fields = {"reviewed_by": by, "reviewed_at": at, "review_note": ""}
    offer.move(to=Offer.Status.APPROVED, by=by, at=at, fields=fields)
    published("offer", offer.pk)
    return offer


@transaction.atomic
def offer_return(*, offer: Offer, by, reason: str) -> Offer:
    """Send the offer back to the charity with what to change."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say what the charity should change.")})
    offer = _locked_for_review(offer, by)
    at = timezone.now()
    fields = {"reviewed_by": by, "reviewed_at": at, "review_note": reason.strip()}
    offer.move(to=Offer.Status.RETURNED, by=by, at=at, reason=reason.strip()[:200], fields=fields)
    return offer


@transaction.atomic
def offer_close(*, offer: Offer, by) -> Offer:
    """End an offer early (the charity, or the bureau): nothing more is allocated from it."""
    offer = Offer.locked(offer.pk, "charity__organisation__region")
    if not (
        selectors.charities_of(by).filter(pk=offer.charity_id).exists()
        or holds_role_over(by, MODERATOR_ROLES, offer.moderating_region())
    ):
        raise PermissionDenied(_("You cannot close this offer."))
    if offer.status == Offer.Status.CLOSED:
        return offer
    at = timezone.now()
    offer.move(to=Offer.Status.CLOSED, by=by, at=at, fields={"closed_at": at})
    published("offer", offer.pk)
    return offer


# --- allocations -----------------------------------------------------------------------------


@transaction.atomic
def allocation_confirm(
    *, offer: Offer, need: Need, by, at: dt.datetime | None = None
) -> Allocation:
    """Give the offer to a household's need (认领/分配), if it is eligible and units are left.

    The offer's row is locked first: a second allocation of the same offer waits here until
    this one commits, then counts what is left including it.
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    offer = Offer.locked(offer.pk, "charity__organisation__region", "category")
    need = Need.objects.select_related("household__region").get(pk=need.pk)
    require_allocator(by=by, household=need.household)
    if offer.status != Offer.Status.APPROVED or not offer.charity.is_approved:
        raise ValidationError(_("Only published offers can be allocated."))
    if not offer.is_valid_on(today):
        raise ValidationError(_("The offer is not valid today."))
    if not selectors.needs_eligible_for(offer, today=today).filter(pk=need.pk).exists():
        raise ValidationError(_("This need does not meet the offer's eligibility."))
    if offer.remaining_units() < offer.units_per_household:
        raise OfferExhausted(offer)
    allocation = Allocation(
        offer=offer,
        need=need,
        household=need.household,
        units=offer.units_per_household,
        amount=offer.amount_per_household,
        allocated_by=by,
        allocated_at=at,
    )
    allocation.full_clean()
    allocation.save()
    return allocation


@transaction.atomic
def allocation_cancel(*, allocation: Allocation, by, reason: str) -> Allocation:
    """Undo an allocation not yet delivered: its units go back to the offer."""
    allocation = Allocation.locked(allocation.pk, "household")
    require_allocator(by=by, household=allocation.household)
    if allocation.status != Allocation.Status.ALLOCATED:
        raise ValidationError(_("Only allocations not yet delivered can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the allocation is cancelled.")})
    at, reason = timezone.now(), reason.strip()
    fields = {"cancelled_by": by, "cancelled_at": at, "cancel_reason": reason}
    allocation.move(to=Allocation.Status.CANCELLED, by=by, at=at, reason=reason, fields=fields)
    return allocation


@transaction.atomic
def delivery_record(
    *, allocation: Allocation, by, delivered_on: dt.date, note: str = ""
) -> Allocation:
    """The charity (or the staff who allocated it) records that the aid reached the household.

    The note is kept masked: charity staff type it, and it must not carry an ID or phone number.
    """
    allocation = Allocation.locked(allocation.pk, "offer__charity__organisation", "household")
    charity = allocation.offer.charity
    if not selectors.charities_of(by).filter(pk=charity.pk).exists():
        require_allocator(by=by, household=allocation.household)
    if allocation.status != Allocation.Status.ALLOCATED:
        raise ValidationError(_("This allocation is not waiting for delivery."))
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("The date cannot be in the future.")})
    if delivered_on < timezone.localdate(allocation.allocated_at):
        raise ValidationError({"delivered_on": _("The date cannot be before the allocation.")})
    fields = {
        "delivered_on": delivered_on,
        "delivery_recorded_by": by,
        "delivery_note": mask_text(note.strip()),
    }
    allocation.move(to=Allocation.Status.DELIVERED, by=by, fields=fields)
    return allocation
