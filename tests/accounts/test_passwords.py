"""The password policy: complexity, history (on every path that sets a password) and expiry."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import PasswordHistory

LOGIN_URL = reverse("accounts:login")
CHANGE_URL = reverse("accounts:password-change")
HOME = reverse("home")
PASSWORD = "correct-horse-battery"


def change(client, old: str, new: str):
    return client.post(
        CHANGE_URL, {"old_password": old, "new_password1": new, "new_password2": new}
    )


@pytest.mark.parametrize(
    "password, accepted",
    [
        ("onlylowercaseletters", False),
        ("lowercase-and-symbols", False),
        ("Lower-and-Upper-and-symbols", True),
        ("lowercase4digits2", False),
        ("Lowercase4digits2", True),
    ],
)
def test_a_new_password_mixes_three_kinds_of_characters(db, in_english, password, accepted):
    if accepted:
        validate_password(password)
        return
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert "at least 3 of" in " ".join(refused.value.messages)


def test_every_change_is_recorded_including_the_admins_set_password(bureau_staff, settings):
    bureau_staff.set_password("First-password-1")
    bureau_staff.save()
    bureau_staff.set_password("Second-password-2")
    bureau_staff.save()

    hashes = list(PasswordHistory.objects.filter(user=bureau_staff))
    assert len(hashes) == 2
    assert bureau_staff.password == hashes[0].password  # newest first, a hash

    settings.PASSWORD_HISTORY_COUNT = 1
    bureau_staff.set_password("Third-password-3")
    bureau_staff.save()
    assert PasswordHistory.objects.filter(user=bureau_staff).count() == 1


def test_the_change_page_refuses_a_recent_password_and_accepts_a_new_one(client, bureau_staff):
    bureau_staff.set_password("Earlier-password-1")
    bureau_staff.save()
    bureau_staff.set_password(PASSWORD)
    bureau_staff.save()
    client.force_login(bureau_staff)

    reused = change(client, PASSWORD, "Earlier-password-1")
    assert reused.status_code == 200
    assert "new_password2" in reused.context["form"].errors
    assert change(client, PASSWORD, PASSWORD).status_code == 200  # the current one too

    fresh = change(client, PASSWORD, "A-brand-new-password-7")

    assert fresh.status_code == 302
    assert PasswordHistory.objects.filter(user=bureau_staff).count() == 3


def test_after_ninety_days_a_privileged_user_is_sent_to_change_the_password(
    english_client, bureau_staff
):
    client = english_client
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        client.post(LOGIN_URL, {"username": "bureau_a", "password": PASSWORD})

        sent = client.get(HOME)
        assert sent.status_code == 302 and sent.url == CHANGE_URL
        page = client.get(CHANGE_URL)
        assert "Your password has expired" in page.content.decode()

        assert change(client, PASSWORD, "A-brand-new-password-7").status_code == 302
        assert client.get(HOME).status_code == 200


def test_before_ninety_days_the_privileged_user_goes_on(client, bureau_staff):
    with time_machine.travel(timezone.now() + dt.timedelta(days=89)):
        client.post(LOGIN_URL, {"username": "bureau_a", "password": PASSWORD})

        assert client.get(HOME).status_code == 200


def test_a_volunteers_password_does_not_expire_by_default(client, volunteer, settings):
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        client.post(LOGIN_URL, {"username": "volunteer_a", "password": PASSWORD})
        assert client.get(HOME).status_code == 200

    settings.PASSWORD_MAX_AGE_DAYS = 365
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        client.post(LOGIN_URL, {"username": "volunteer_a", "password": PASSWORD})
        assert client.get(HOME).url == CHANGE_URL
