"""Log-in, lock-out and password pages, through HTTP."""

import pytest
from django.urls import reverse

from bangfu.accounts.models import Membership
from tests.factories import StationFactory, UserFactory, member_of

LOGIN_URL = reverse("accounts:login")
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def test_the_login_page_speaks_chinese(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录帮扶平台" in body
    assert 'name="username"' in body and 'name="password"' in body


def test_a_good_login_lands_on_the_to_do_list(client, bureau_staff):
    response = client.post(LOGIN_URL, {"username": "bureau_a", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.templates[0].name == "accounts/start.html"


def test_station_staff_land_on_their_to_do_list_and_see_the_notification_bell(client, county_a):
    _county, town, _village = county_a
    station = StationFactory(organisation__region=town)
    user = UserFactory(username="station_a")
    member_of(user, station.organisation, Membership.Role.STATION_STAFF)

    response = client.post(LOGIN_URL, {"username": "station_a", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    body = response.content.decode()
    assert reverse("referrals:notifications") in body
    assert f'href="{reverse("portal:inbox")}"' in body  # their portal, one click away


def test_the_top_bar_names_the_user_their_role_and_organisation(client, bureau_staff):
    client.post(LOGIN_URL, {"username": "bureau_a", "password": PASSWORD})

    body = client.get(reverse("registry:household-list")).content.decode()

    assert str(bureau_staff) in body
    assert "民政工作人员 · 元江县民政局" in body
    assert "退出" in body


def test_a_wrong_password_is_refused_with_a_message(client, bureau_staff):
    response = client.post(LOGIN_URL, {"username": "bureau_a", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, bureau_staff):
    for _attempt in range(5):
        last = client.post(LOGIN_URL, {"username": "bureau_a", "password": "wrong"})

    locked = client.post(LOGIN_URL, {"username": "bureau_a", "password": PASSWORD})

    assert last.status_code == 429
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "账号已锁定" in body
    assert "30 分钟" in body
    assert "_auth_user_id" not in client.session


def test_another_account_is_not_locked_by_those_failures(client, bureau_staff, outsider_staff):
    for _attempt in range(5):
        client.post(LOGIN_URL, {"username": "bureau_a", "password": "wrong"})

    response = client.post(LOGIN_URL, {"username": "bureau_b", "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.parametrize("language, text", [("en", "Change password"), ("zh-hans", "修改密码")])
def test_the_password_page_in_both_languages(client, bureau_staff, language, text):
    client.force_login(bureau_staff)
    client.post(reverse("set_language"), {"language": language})

    response = client.get(reverse("accounts:password-change"))

    assert response.status_code == 200
    assert text in response.content.decode()


def test_a_weak_new_password_is_refused_next_to_its_field(client, bureau_staff):
    client.force_login(bureau_staff)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    assert 'id="id_new_password2_error"' in response.content.decode()
