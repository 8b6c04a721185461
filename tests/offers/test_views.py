"""The charity portal and the bureau's offer pages over HTTP: who sees what, and the writes."""

import datetime as dt

import pytest
from django.utils import timezone

from bangfu.core.masking import mask_name
from bangfu.offers import services
from bangfu.offers.models import Allocation, Charity, Offer
from tests.factories import OfferFactory, charity_with_staff

pytestmark = pytest.mark.django_db


def test_a_charity_registers_and_the_bureau_approves_it(en_client, county, bureau_staff):
    response = en_client.post(
        "/charity/register/",
        {
            "name": "元江县红土地慈善基金会",
            "unified_credit_code": "53530428MJ0000001X",
            "region": county.pk,
            "contact_name": "王芳",
            "phone": "13800001111",
            "email": "hongtudi@example.org",
            "username": "hongtudi",
            "password": "a-long-charity-password-7",
            "password_again": "a-long-charity-password-7",
        },
    )
    assert response.status_code == 302
    charity = Charity.objects.get()
    assert charity.status == Charity.Status.PENDING
    en_client.force_login(bureau_staff)
    assert charity.name in en_client.get("/staff/offers/").content.decode()
    en_client.post(f"/staff/offers/charities/{charity.pk}/approve/")
    charity.refresh_from_db()
    assert charity.status == Charity.Status.APPROVED


def test_a_charity_posts_an_offer_and_submits_it(en_client, charity, charity_user, hardship, today):
    en_client.force_login(charity_user)
    response = en_client.post(
        "/charity/offers/new/",
        {
            "title": "冬季棉被",
            "description": "每户两床。",
            "kind": "goods",
            "category": hardship.pk,
            "quantity": 40,
            "unit": "床",
            "units_per_household": 2,
            "amount_per_household": "260.00",
            "tiers": ["tekun", "dibao"],
            "reach_km": 60,
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=30)).isoformat(),
            "delivery_method": "township_handout",
        },
    )
    offer = Offer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/charity/offers/{offer.pk}/"
    assert offer.tiers == ["tekun", "dibao"] and offer.created_by == charity_user
    en_client.post(f"/charity/offers/{offer.pk}/submit/")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_a_bad_offer_form_shows_the_errors(en_client, charity_user, hardship, today):
    en_client.force_login(charity_user)
    response = en_client.post(
        "/charity/offers/new/",
        {
            "title": "x",
            "description": "y",
            "kind": "goods",
            "category": hardship.pk,
            "quantity": 1,
            "unit": "床",
            "units_per_household": 2,
            "amount_per_household": "-5",
            "reach_km": 60,
            "valid_from": today.isoformat(),
            "valid_until": (today - dt.timedelta(days=3)).isoformat(),
            "delivery_method": "township_handout",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The offer cannot end before it starts." in html
    assert "The quantity does not cover even one household." in html
    assert not Offer.objects.exists()


def test_the_bureau_approves_an_offer_and_allocates_it(en_client, charity, bureau_staff, make_need):
    offer = OfferFactory(charity=charity, status=Offer.Status.PENDING)
    need = make_need()
    en_client.force_login(bureau_staff)
    en_client.post(f"/staff/offers/{offer.pk}/approve/")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED
    page = en_client.get(f"/staff/offers/{offer.pk}/").content.decode()
    assert need.household.registry_number in page  # listed as eligible
    en_client.post(f"/staff/offers/{offer.pk}/allocate/", {"need": need.pk})
    assert Allocation.objects.get().need == need
    assert (
        'id="offer-left">9 / 10 袋' in en_client.get(f"/staff/offers/{offer.pk}/").content.decode()
    )


def test_the_charity_sees_codes_not_people_and_records_delivery(
    en_client, offer, make_need, bureau_staff, charity_user, today
):
    need = make_need(name="诸葛秘密")
    services.allocation_confirm(offer=offer, need=need, by=bureau_staff)
    allocation = Allocation.objects.get()
    en_client.force_login(charity_user)
    html = en_client.get(f"/charity/offers/{offer.pk}/").content.decode()
    household = need.household
    for secret in ("诸葛秘密", mask_name("诸葛秘密"), household.registry_number, household.address):
        assert secret not in html
    assert household.region.parent.name in html  # the township is shown
    response = en_client.post(
        f"/charity/allocations/{allocation.pk}/deliver/", {"delivered_on": today.isoformat()}
    )
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.DELIVERED


def test_a_charity_cannot_open_another_charitys_offer(
    en_client, offer, make_need, bureau_staff, county
):
    allocation = services.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    _other, other_user = charity_with_staff(county, name="别的基金会", username="other")
    en_client.force_login(other_user)
    assert en_client.get(f"/charity/offers/{offer.pk}/").status_code == 404
    today = timezone.localdate().isoformat()
    assert (
        en_client.post(
            f"/charity/allocations/{allocation.pk}/deliver/", {"delivered_on": today}
        ).status_code
        == 404
    )


def test_charity_staff_are_sent_to_their_portal_and_kept_out_of_staff_pages(
    en_client, offer, charity_user
):
    en_client.force_login(charity_user)
    assert en_client.get("/staff/offers/")["Location"] == "/charity/"
    assert en_client.get(f"/staff/offers/{offer.pk}/").status_code == 403


def test_staff_of_another_county_do_not_see_the_offer(en_client, offer, outsider_staff):
    en_client.force_login(outsider_staff)
    assert en_client.get(f"/staff/offers/{offer.pk}/").status_code == 404
    assert offer.title not in en_client.get("/staff/offers/").content.decode()


def test_the_portal_is_for_charity_staff_only(en_client, bureau_staff):
    en_client.force_login(bureau_staff)
    assert en_client.get("/charity/").status_code == 403
