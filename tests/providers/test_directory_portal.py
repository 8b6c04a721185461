"""A volunteer's own profile: they keep their skills, languages, hours and times, and pause and
resume new tasks themselves; nobody else opens the page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from bangfu.accounts.models import Membership
from bangfu.registry.models import ServiceCategory
from tests.factories import StationFactory, UserFactory, VolunteerFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer(county_a):
    _county, _town, village = county_a
    return VolunteerFactory(
        user__display_name="李芳", home_region=village, capacity=2, certificates=["nurse"]
    )


@pytest.fixture
def own(client, volunteer):
    client.force_login(volunteer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def profile_form(**changes) -> dict:
    data = {
        "categories": [ServiceCategory.objects.get(code="meal-help").pk],
        "languages": "普通话, 彝语",
        "weekly_hours": "3",
        "available_times": ["1-evening", "3-evening"],
        "availability": "",
        "travel_radius_km": "8",
    }
    data.update(changes)
    return data


def test_a_volunteer_keeps_their_own_skills_languages_hours_and_times(own, volunteer):
    assert own.get(reverse("providers:profile")).status_code == 200
    response = own.post(reverse("providers:profile"), profile_form())
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert [category.code for category in volunteer.categories.all()] == ["meal-help"]
    assert volunteer.languages == ["普通话", "彝语"]
    assert volunteer.weekly_hours == 3
    assert volunteer.available_times == [
        {"day": 1, "start": "18:00", "end": "21:00"},
        {"day": 3, "start": "18:00", "end": "21:00"},
    ]
    # The page shows the week as saved: the two evenings ticked.
    page = own.get(reverse("providers:profile")).content.decode()
    ticked = re.findall(r'name="available_times" value="([^"]+)"[^>]* checked', page)
    assert ticked == ["1-evening", "3-evening"]


def test_what_staff_set_is_not_the_volunteers_to_change(own, volunteer):
    own.post(reverse("providers:profile"), profile_form(capacity="9", certificates=["lawyer"]))
    volunteer.refresh_from_db()
    assert (volunteer.capacity, volunteer.certificates) == (2, ["nurse"])


def test_a_volunteer_must_name_a_language(own, volunteer):
    response = own.post(reverse("providers:profile"), profile_form(languages=""))
    assert response.status_code == 200
    assert "languages" in response.context["form"].errors


def test_a_volunteer_pauses_with_a_note_and_resumes(own, volunteer):
    response = own.post(reverse("providers:profile-pause"), {"note": "去昆明看病"})
    assert response.status_code == 302
    provider = volunteer.provider
    provider.refresh_from_db()
    assert (provider.is_paused, provider.status_note) == (True, "去昆明看病")
    page = own.get(reverse("providers:profile")).content.decode()
    assert "You are paused" in page and "去昆明看病" in page

    own.post(reverse("providers:profile-resume"))
    provider.refresh_from_db()
    assert (provider.is_paused, provider.status_note) == (False, "")


def test_pausing_twice_says_so_and_changes_nothing(own, volunteer):
    own.post(reverse("providers:profile-pause"), {"note": "first"})
    response = own.post(reverse("providers:profile-pause"), {"note": "second"}, follow=True)
    assert "You are paused already." in response.content.decode()
    volunteer.provider.refresh_from_db()
    assert volunteer.provider.status_note == "first"


def test_resuming_keeps_a_suspension_by_staff(own, volunteer):
    provider = volunteer.provider
    own.post(reverse("providers:profile-pause"))
    provider.refresh_from_db()
    provider.is_active, provider.status_note = False, "证书过期"
    provider.save()
    own.post(reverse("providers:profile-resume"))
    provider.refresh_from_db()
    assert (provider.is_active, provider.is_paused, provider.status_note) == (
        False,
        False,
        "证书过期",
    )


def test_the_profile_pages_are_for_volunteers_only(client, volunteer, bureau_staff, county_a):
    _county, town, _village = county_a
    station_staff = UserFactory()
    member_of(
        station_staff,
        StationFactory(organisation__region=town).organisation,
        Membership.Role.STATION_STAFF,
    )
    for user in (station_staff, bureau_staff):
        client.force_login(user)
        assert client.get(reverse("providers:profile")).status_code == 403
        assert client.post(reverse("providers:profile-pause")).status_code == 403
    # Positive control: the volunteer opens it, and the navigation offers it to them alone.
    client.force_login(volunteer.user)
    page = client.get(reverse("providers:profile"))
    assert page.status_code == 200
    assert f'href="{reverse("providers:profile")}"' in page.content.decode()
    client.force_login(bureau_staff)
    page = client.get(reverse("providers:list")).content.decode()
    assert f'href="{reverse("providers:profile")}"' not in page
