"""A call's description at the intake desk (the caller's name, phone and situation, as the
public help form writes it) is encrypted at rest and shown in clear to the desk's staff."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from bangfu.referrals.models import IntakeCase

pytestmark = pytest.mark.django_db

PHONE = "13912340001"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_a_help_request_reaches_the_desk_readable_but_is_stored_encrypted(
    client, county_a, bureau_staff
):
    _county, township, _village = county_a
    client.post(
        "/help/",
        {
            "name": "慕容求助",
            "phone": PHONE,
            "township": township.pk,
            "description": "家中老人卧床，无人照料。",
            "consent": "on",
            "website": "",
        },
    )
    intake = IntakeCase.objects.get()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description, caller_name, caller_phone FROM referrals_intakecase WHERE id = %s",
            [intake.pk],
        )
        raw = " ".join(cursor.fetchone())
    assert PHONE not in raw and "慕容" not in raw
    client.force_login(bureau_staff)
    page = client.get(reverse("referrals:intake-detail", args=[intake.pk])).content.decode()

    assert intake.caller_phone == PHONE and intake.caller_name == "慕容求助"
    assert intake.description == "家中老人卧床，无人照料。"
    assert "无人照料" not in raw
    assert PHONE in page  # the desk calls the person back
