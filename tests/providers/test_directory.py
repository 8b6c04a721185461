"""The provider directory: bureau staff list, filter, register, edit, suspend and reactivate the
stations and volunteers of their own area, and nobody else's."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.providers import directory
from bangfu.providers.models import Provider, Station, Volunteer
from bangfu.referrals.models import Feedback, IntakeCase, Referral
from bangfu.registry.models import ServiceCategory
from tests.factories import (
    NeedFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    member_of,
)

pytestmark = pytest.mark.django_db
Role = Membership.Role
PASSWORD = "correct-horse-battery"


def english(client: Client, user) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(client, bureau_staff):
    return english(client, bureau_staff)


@pytest.fixture
def area(county_a):
    """County A's station at its township, a volunteer in its village, and a village committee."""
    _county, town, village = county_a
    committee = OrganisationFactory(
        kind=Organisation.Kind.VILLAGE_COMMITTEE, region=village, name="村201村委会"
    )
    station = StationFactory(organisation__region=town, organisation__name="澧江社工站", capacity=4)
    volunteer = VolunteerFactory(
        user__display_name="李芳",
        home_region=village,
        organisation=committee,
        categories=[ServiceCategory.objects.get(code="rehabilitation")],
    )
    return {"station": station, "volunteer": volunteer, "committee": committee}


@pytest.fixture
def elsewhere(county_b):
    """County B's station and volunteer: outside county A's staff's area."""
    _county, town, village = county_b
    return {
        "station": StationFactory(organisation__region=town, organisation__name="鲤城社工站"),
        "volunteer": VolunteerFactory(user__display_name="王外县", home_region=village),
    }


def names_listed(client, **query) -> list[str]:
    response = client.get(reverse("providers:list"), query)
    assert response.status_code == 200
    return sorted(row["provider"].name for row in response.context["rows"])


# --- the list --------------------------------------------------------------------------------


def test_staff_list_the_providers_of_their_area_only(staff, area, elsewhere):
    assert names_listed(staff) == ["李芳", "澧江社工站"]


def test_the_list_filters_by_kind_township_service_status_and_name(staff, area, county_a):
    _county, town, _village = county_a
    assert names_listed(staff, kind="volunteer") == ["李芳"]
    assert names_listed(staff, kind="station") == ["澧江社工站"]
    assert names_listed(staff, township=town.pk) == ["李芳", "澧江社工站"]
    rehabilitation = ServiceCategory.objects.get(code="rehabilitation")
    assert names_listed(staff, category=rehabilitation.pk) == ["李芳"]
    assert names_listed(staff, q="澧江") == ["澧江社工站"]
    Provider.objects.filter(pk=area["volunteer"].provider_id).update(is_paused=True)
    Provider.objects.filter(pk=area["station"].provider_id).update(is_active=False)
    assert names_listed(staff, status="paused") == ["李芳"]
    assert names_listed(staff, status="suspended") == ["澧江社工站"]
    assert names_listed(staff, status="taking") == []


def test_the_list_shows_load_against_a_capacity_the_weekly_hours_limit(staff, area):
    # Three open tasks at most by their own say, but two hours a week hold only one.
    Volunteer.objects.filter(pk=area["volunteer"].pk).update(capacity=3, weekly_hours=2)
    response = staff.get(reverse("providers:list"), {"kind": "volunteer"})
    (row,) = response.context["rows"]
    assert row["capacity"] == 1
    assert "0 / 1" in response.content.decode()


def _referral(need, provider, status, **fields):
    intake = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=need.household.region,
        need=need,
        status=IntakeCase.Status.REFERRED,
        opened_by=UserFactory(),
    )
    return Referral.objects.create(
        intake=intake,
        need=need,
        provider=provider,
        status=status,
        sent_by=intake.opened_by,
        accept_due_at=timezone.now() + dt.timedelta(days=2),
        **fields,
    )


def test_a_providers_page_shows_its_load_acceptance_and_outcomes(staff, area, household_a):
    provider = area["station"].provider
    now = timezone.now()
    done = _referral(
        NeedFactory(household=household_a),
        provider,
        Referral.Status.COMPLETED,
        accepted_at=now,
        ended_at=now,
    )
    Feedback.objects.create(referral=done, satisfaction=4, recorded_by=done.sent_by)
    _referral(
        NeedFactory(household=household_a),
        provider,
        Referral.Status.DECLINED,
        decline_reason=Referral.DeclineReason.FULL,
    )
    _referral(NeedFactory(household=household_a), provider, Referral.Status.SENT)
    # Accepted, then let expire without a session: one answer, an acceptance.
    _referral(
        NeedFactory(household=household_a), provider, Referral.Status.EXPIRED, accepted_at=now
    )
    response = staff.get(reverse("providers:detail", args=[provider.pk]))
    record = response.context["stats"]
    assert (record.open_cases, record.accepted, record.answered) == (1, 2, 3)
    assert (record.completed, record.closed, record.satisfaction) == (1, 0, Decimal("4.0"))
    page = response.content.decode()
    assert "1 / 4" in page and "2 of 3 answered" in page and "4.0 of 5 (1 rated)" in page


# --- registering and editing -----------------------------------------------------------------


def volunteer_form(village, committee, **changes) -> dict:
    data = {
        "display_name": "赵敏",
        "phone": "13912345670",
        "username": "zhaomin",
        "password": "a-long-first-password-9",
        "organisation": committee.pk,
        "serves_gender": "any",
        "home_region": village.pk,
        "latitude": "",
        "longitude": "",
        "categories": [ServiceCategory.objects.get(code="care").pk],
        "certificates": ["nurse"],
        "languages": "普通话，哈尼语",
        "travel_radius_km": "6",
        "weekly_hours": "6",
        "capacity": "3",
        "available_times": ["2-morning", "6-afternoon"],
        "availability": "农忙时除外",
    }
    data.update(changes)
    return data


def test_staff_register_a_volunteer_with_their_log_in_and_week(staff, area, county_a):
    _county, _town, village = county_a
    response = staff.post(
        reverse("providers:volunteer-create"), volunteer_form(village, area["committee"])
    )
    volunteer = Volunteer.objects.get(user__username="zhaomin")
    assert response.status_code == 302
    assert response.url == reverse("providers:detail", args=[volunteer.provider_id])
    assert volunteer.available_times == [
        {"day": 2, "start": "08:00", "end": "12:00"},
        {"day": 6, "start": "12:00", "end": "18:00"},
    ]
    assert volunteer.languages == ["普通话", "哈尼语"]
    assert volunteer.certificates == ["nurse"]
    # Coordinates left empty: the centre of the home village.
    assert (volunteer.latitude, volunteer.longitude) == (village.latitude, village.longitude)
    provider = volunteer.provider
    assert (provider.kind, provider.name, provider.region) == ("volunteer", "赵敏", village)
    assert volunteer.user.phone == "13912345670"
    assert Membership.objects.filter(
        user=volunteer.user, organisation=area["committee"], role=Role.VOLUNTEER
    ).exists()
    # The volunteer logs in with the first password; the writes are in the audit log.
    login = Client().post(
        reverse("accounts:login"), {"username": "zhaomin", "password": "a-long-first-password-9"}
    )
    assert login.status_code == 302
    logged = set(LogEntry.objects.values_list("content_type__model", flat=True))
    assert {"provider", "volunteer", "user", "membership"} <= logged
    assert "赵敏" in staff.get(response.url).content.decode()


def test_a_taken_user_name_is_refused_on_its_field(staff, area, county_a):
    UserFactory(username="ZhaoMin")
    response = staff.post(
        reverse("providers:volunteer-create"),
        volunteer_form(county_a[2], area["committee"]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["This user name is taken."]
    assert not Volunteer.objects.filter(user__username="zhaomin").exists()


def test_staff_edit_a_volunteers_hours_times_and_name(staff, area, county_a):
    volunteer = area["volunteer"]
    data = volunteer_form(county_a[2], area["committee"], display_name="李芳芳")
    data.update(weekly_hours="10", available_times=["7-evening"])
    response = staff.post(reverse("providers:edit", args=[volunteer.provider_id]), data)
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.weekly_hours == 10
    assert volunteer.available_times == [{"day": 7, "start": "18:00", "end": "21:00"}]
    assert volunteer.provider.name == "李芳芳"
    assert volunteer.user.username != "zhaomin"  # the user name is not edited here


def test_staff_register_and_edit_a_station(staff, county_a):
    _county, town, village = county_a
    care = ServiceCategory.objects.get(code="care")
    data = {
        "name": "因远镇社工站",
        "township": town.pk,
        "contact_phone": "0877-6012345",
        "address": "因远镇1号",
        "opening_hours": "周一至周五",
        "capacity": "12",
        "categories": [care.pk],
        "service_area": [village.pk],
    }
    response = staff.post(reverse("providers:station-create"), data)
    station = Station.objects.get(organisation__name="因远镇社工站")
    assert response.status_code == 302
    assert station.organisation.region == town
    assert station.organisation.contact_phone == "08776012345"
    assert set(station.service_area.all()) == {town, village}
    assert (station.provider.kind, station.provider.region) == ("station", town)

    data.update(name="因远镇社会工作站", capacity="20", service_area=[])
    del data["township"]
    response = staff.post(reverse("providers:edit", args=[station.provider_id]), data)
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.capacity == 20
    assert station.provider.name == "因远镇社会工作站"
    assert list(station.service_area.all()) == [town]


def test_a_township_of_another_county_is_not_offered(staff, county_b):
    _county, other_town, _village = county_b
    response = staff.post(
        reverse("providers:station-create"),
        {"name": "外县站", "township": other_town.pk, "capacity": "5", "categories": []},
    )
    assert response.status_code == 200
    assert "township" in response.context["form"].errors
    assert not Station.objects.exists()


# --- suspending ------------------------------------------------------------------------------


def test_staff_suspend_with_a_reason_and_reactivate(staff, area):
    provider = area["station"].provider
    url = reverse("providers:suspend", args=[provider.pk])
    refused = staff.post(url, {"reason": " "})
    assert refused.status_code == 400
    provider.refresh_from_db()
    assert provider.is_active

    response = staff.post(url, {"reason": "站点搬迁"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.is_active, provider.status_note) == (False, "站点搬迁")
    assert "站点搬迁" in staff.get(reverse("providers:detail", args=[provider.pk])).content.decode()

    staff.post(reverse("providers:reactivate", args=[provider.pk]))
    provider.refresh_from_db()
    assert (provider.is_active, provider.status_note) == (True, "")


# --- who may open what -----------------------------------------------------------------------


def staff_pages(provider) -> list[tuple[str, str]]:
    return [
        ("get", reverse("providers:list")),
        ("get", reverse("providers:station-create")),
        ("get", reverse("providers:volunteer-create")),
        ("get", reverse("providers:detail", args=[provider.pk])),
        ("get", reverse("providers:edit", args=[provider.pk])),
        ("post", reverse("providers:suspend", args=[provider.pk])),
        ("post", reverse("providers:reactivate", args=[provider.pk])),
    ]


def test_another_countys_staff_get_404_for_this_countys_providers(
    client, area, outsider_staff, bureau_staff
):
    provider = area["volunteer"].provider
    client.force_login(outsider_staff)
    assert client.get(reverse("providers:detail", args=[provider.pk])).status_code == 404
    assert client.get(reverse("providers:edit", args=[provider.pk])).status_code == 404
    suspend = client.post(reverse("providers:suspend", args=[provider.pk]), {"reason": "x"})
    assert suspend.status_code == 404
    provider.refresh_from_db()
    assert provider.is_active
    # Positive control: the county's own staff open and suspend it.
    client.force_login(bureau_staff)
    assert client.get(reverse("providers:detail", args=[provider.pk])).status_code == 200
    suspend = client.post(reverse("providers:suspend", args=[provider.pk]), {"reason": "x"})
    assert suspend.status_code == 302


def test_station_staff_and_volunteers_get_403_on_every_staff_page(client, area, bureau_staff):
    station_staff = UserFactory()
    member_of(station_staff, area["station"].organisation, Role.STATION_STAFF)
    provider = area["station"].provider
    for user in (station_staff, area["volunteer"].user):
        client.force_login(user)
        for method, url in staff_pages(provider):
            assert getattr(client, method)(url).status_code == 403, (user, url)
    provider.refresh_from_db()
    assert provider.is_active
    # Positive control: bureau staff open every page.
    client.force_login(bureau_staff)
    for method, url in staff_pages(provider)[:5]:
        assert getattr(client, method)(url).status_code == 200, url


def test_the_services_refuse_a_writer_outside_the_area(area, outsider_staff, bureau_staff):
    provider = area["station"].provider
    with pytest.raises(PermissionDenied):
        directory.provider_suspend(by=outsider_staff, provider=provider, reason="x")
    suspended = directory.provider_suspend(by=bureau_staff, provider=provider, reason="x")
    assert not suspended.is_active


def test_the_navigation_offers_the_directory_only_to_those_who_may_open_it(
    client, area, bureau_staff
):
    link = f'href="{reverse("providers:list")}"'
    client.force_login(bureau_staff)
    assert link in client.get(reverse("providers:list")).content.decode()
    client.force_login(area["volunteer"].user)
    assert link not in client.get(reverse("providers:profile")).content.decode()
