"""Charities, offers and allocations through their services: who may do what, eligibility,
and a quantity that can never be over-committed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bangfu.accounts.models import Membership, User
from bangfu.offers import services
from bangfu.offers.models import Allocation, Charity, Offer
from bangfu.registry.models import Member, Tier
from tests.factories import OfferFactory, charity_with_staff

pytestmark = pytest.mark.django_db


def offer_fields(hardship, today, **changes):
    fields = {
        "title": "冬季棉被",
        "description": "每户两床棉被。",
        "kind": Offer.Kind.GOODS,
        "category": hardship,
        "quantity": 40,
        "unit": "床",
        "units_per_household": 2,
        "amount_per_household": Decimal("260.00"),
        "tiers": [Tier.TEKUN, Tier.DIBAO],
        "valid_from": today,
        "valid_until": today + dt.timedelta(days=60),
        "delivery_method": Offer.Delivery.TOWNSHIP_HANDOUT,
    }
    return {**fields, **changes}


# --- charities -------------------------------------------------------------------------------


def test_a_registered_charity_waits_for_its_bureau_and_can_log_in(county):
    charity = services.charity_register(
        name="元江县爱心基金会",
        region=county,
        contact_name="王芳",
        phone="13800001111",
        email="aixin@example.org",
        username="aixin",
        password="a-long-charity-password-7",
        unified_credit_code="53530428MJ0000000X",
    )
    assert charity.status == Charity.Status.PENDING
    user = User.objects.get(username="aixin")
    assert user.check_password("a-long-charity-password-7")
    assert user.memberships.get().role == Membership.Role.CHARITY_STAFF


def test_registration_refuses_a_weak_password_and_a_taken_user_name(county, bureau_staff):
    common = {
        "name": "某基金会",
        "region": county,
        "contact_name": "王芳",
        "phone": "13800001111",
        "email": "a@example.org",
    }
    with pytest.raises(ValidationError):
        services.charity_register(**common, username="someone", password="12345")
    with pytest.raises(ValidationError) as taken:
        services.charity_register(**common, username="bureau_a", password="a-long-password-1")
    assert "username" in taken.value.message_dict
    assert not Charity.objects.exists()


def test_an_unapproved_charity_cannot_post(county, hardship, today):
    charity, user = charity_with_staff(county, approved=False)
    with pytest.raises(PermissionDenied):
        services.offer_create(charity=charity, by=user, **offer_fields(hardship, today))


def test_only_the_bureau_of_the_region_approves_a_charity(county, bureau_staff, outsider_staff):
    charity, _user = charity_with_staff(county, approved=False)
    with pytest.raises(PermissionDenied):
        services.charity_approve(charity=charity, by=outsider_staff)
    services.charity_approve(charity=charity, by=bureau_staff)
    charity.refresh_from_db()
    assert charity.status == Charity.Status.APPROVED and charity.decided_by == bureau_staff


# --- offers ----------------------------------------------------------------------------------


def test_an_offer_goes_from_draft_through_review_to_published(
    charity, charity_user, bureau_staff, hardship, today, county
):
    offer = services.offer_create(
        charity=charity, by=charity_user, regions=[county], **offer_fields(hardship, today)
    )
    assert offer.status == Offer.Status.DRAFT
    services.offer_submit(offer=offer, by=charity_user)
    with pytest.raises(PermissionDenied):
        services.offer_approve(offer=offer, by=charity_user)  # charities cannot self-publish
    services.offer_return(offer=offer, by=bureau_staff, reason="请写明发放地点")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.RETURNED and offer.review_note == "请写明发放地点"
    services.offer_update(offer=offer, by=charity_user, delivery_note="各乡镇民政办领取")
    services.offer_submit(offer=offer, by=charity_user)
    services.offer_approve(offer=offer, by=bureau_staff)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED and offer.reviewed_by == bureau_staff
    # Every move left its event: who, from which status to which, and why.
    assert [(e.from_status, e.to_status, e.by, e.reason) for e in offer.events.all()] == [
        ("draft", "pending", charity_user, ""),
        ("pending", "returned", bureau_staff, "请写明发放地点"),
        ("returned", "pending", charity_user, ""),
        ("pending", "approved", bureau_staff, ""),
    ]


def test_a_published_offer_cannot_be_edited(offer, charity_user):
    with pytest.raises(ValidationError):
        services.offer_update(offer=offer, by=charity_user, quantity=1000)


def test_an_offer_cannot_reach_outside_the_charitys_region(
    charity, charity_user, hardship, today, county_b
):
    with pytest.raises(ValidationError) as error:
        services.offer_create(
            charity=charity,
            by=charity_user,
            regions=[county_b[1]],
            **offer_fields(hardship, today),
        )
    assert "regions" in error.value.message_dict


def test_another_charity_cannot_touch_an_offer(offer, county):
    _other, other_user = charity_with_staff(county, name="别的基金会", username="other")
    with pytest.raises(PermissionDenied):
        services.offer_close(offer=offer, by=other_user)


def test_offer_values_are_checked(charity, charity_user, hardship, today):
    bad = offer_fields(hardship, today, quantity=1, units_per_household=2, min_age=70, max_age=60)
    with pytest.raises(ValidationError) as error:
        services.offer_create(charity=charity, by=charity_user, **bad)
    assert {"quantity", "max_age"} <= set(error.value.message_dict)


# --- allocations -----------------------------------------------------------------------------


def test_staff_allocate_an_eligible_need_and_the_offer_has_one_less(offer, make_need, bureau_staff):
    need = make_need()
    allocation = services.allocation_confirm(offer=offer, need=need, by=bureau_staff)
    assert allocation.units == 1 and allocation.amount == Decimal("150.00")
    assert allocation.household == need.household
    offer.refresh_from_db()
    assert offer.remaining_units() == 9


def test_a_household_gets_an_offer_once(offer, make_need, bureau_staff):
    need = make_need()
    services.allocation_confirm(offer=offer, need=need, by=bureau_staff)
    with pytest.raises(ValidationError):
        services.allocation_confirm(offer=offer, need=need, by=bureau_staff)


@pytest.mark.parametrize(
    ("offer_changes", "need_kwargs"),
    [
        ({"tiers": [Tier.TEKUN]}, {"tier": Tier.DIBAO}),
        ({"min_age": 80}, {"birth": dt.date(1990, 1, 1)}),
        ({"max_age": 16}, {"birth": dt.date(1950, 1, 1)}),
        ({"disability_max_grade": 2}, {}),
    ],
    ids=["tier", "too-young", "too-old", "no-disability"],
)
def test_an_ineligible_need_is_refused(
    charity, make_need, bureau_staff, offer_changes, need_kwargs
):
    offer = OfferFactory(charity=charity, **offer_changes)
    need = make_need(**need_kwargs)
    with pytest.raises(ValidationError):
        services.allocation_confirm(offer=offer, need=need, by=bureau_staff)
    assert not Allocation.objects.exists()


def test_disability_and_age_are_met_by_any_member(charity, make_need, bureau_staff):
    offer = OfferFactory(charity=charity, max_age=16, disability_max_grade=2)
    need = make_need(birth=dt.date(1960, 1, 1))
    Member.objects.filter(household=need.household).update(
        birth_date=dt.date(2015, 6, 1),
        disability=Member.Disability.PHYSICAL,
        disability_grade=1,
    )
    assert services.allocation_confirm(offer=offer, need=need, by=bureau_staff)


def test_a_need_of_another_category_is_refused(offer, make_need, bureau_staff):
    need = make_need()
    need.category_id = need.category.parent_id  # 资源链接, not 助困
    need.save()
    with pytest.raises(ValidationError):
        services.allocation_confirm(offer=offer, need=need, by=bureau_staff)


def test_staff_cannot_allocate_outside_their_area(offer, outsider_staff, make_need):
    need = make_need()  # in county A; the outsider works in county B
    with pytest.raises(PermissionDenied):
        services.allocation_confirm(offer=offer, need=need, by=outsider_staff)


def test_charity_staff_cannot_allocate(offer, make_need, charity_user):
    with pytest.raises(PermissionDenied):
        services.allocation_confirm(offer=offer, need=make_need(), by=charity_user)


def test_the_last_unit_goes_once_then_the_offer_is_exhausted(charity, make_need, bureau_staff):
    offer = OfferFactory(charity=charity, quantity=4, units_per_household=2)
    services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    with pytest.raises(services.OfferExhausted):
        services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    assert Allocation.objects.filter(offer=offer).count() == 2


def test_a_cancelled_allocation_gives_its_units_back(offer, make_need, bureau_staff):
    allocation = services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    services.allocation_cancel(allocation=allocation, by=bureau_staff, reason="已迁出")
    offer.refresh_from_db()
    assert offer.remaining_units() == 10
    (event,) = allocation.events.all()
    assert (event.to_status, event.by, event.reason) == ("cancelled", bureau_staff, "已迁出")


def test_a_move_the_lifecycle_does_not_allow_is_refused_and_leaves_no_event(
    county, bureau_staff, in_english
):
    charity, _user = charity_with_staff(county, approved=False)
    services.charity_reject(charity=charity, by=bureau_staff, reason="证书编号无法核实")
    with pytest.raises(ValidationError, match="A charity that is rejected cannot become rejected"):
        services.charity_reject(charity=charity, by=bureau_staff, reason="再次驳回")
    assert [e.to_status for e in charity.events.all()] == ["rejected"]
    services.charity_approve(charity=charity, by=bureau_staff)  # positive control
    assert [e.to_status for e in charity.events.all()] == ["rejected", "approved"]


def test_an_offer_not_yet_published_or_expired_is_not_allocated(
    charity, make_need, bureau_staff, today
):
    pending = OfferFactory(charity=charity, status=Offer.Status.PENDING)
    expired = OfferFactory(
        charity=charity,
        valid_from=today - dt.timedelta(days=30),
        valid_until=today - dt.timedelta(days=1),
    )
    for offer in (pending, expired):
        with pytest.raises(ValidationError):
            services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)


def test_the_charity_records_delivery_masked(offer, make_need, bureau_staff, charity_user, today):
    allocation = services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    services.delivery_record(
        allocation=allocation,
        by=charity_user,
        delivered_on=today,
        note="已交户主 13812345678 签收",
    )
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.DELIVERED
    assert "13812345678" not in allocation.delivery_note
    with pytest.raises(ValidationError):  # once
        services.delivery_record(allocation=allocation, by=charity_user, delivered_on=today)


def test_delivery_cannot_be_in_the_future_or_by_a_stranger(
    offer, make_need, bureau_staff, county, today
):
    allocation = services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    with pytest.raises(ValidationError):
        services.delivery_record(
            allocation=allocation, by=bureau_staff, delivered_on=today + dt.timedelta(days=1)
        )
    _other, stranger = charity_with_staff(county, name="别的基金会", username="stranger")
    with pytest.raises(PermissionDenied):
        services.delivery_record(allocation=allocation, by=stranger, delivered_on=today)
