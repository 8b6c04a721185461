"""Referrals to a procured project (政府购买服务项目): the third kind of provider.

The county buys home care by the hour and resource-linking by the case from a service agency,
for two households. The intake desk refers needs to the project; the agency's staff answer them
in the portal, and each session they log is counted against the project line that buys the
service. The project's quota is households, counted from its referrals and deliveries.
"""

import dataclasses
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from bangfu.matching_runs import adapter
from bangfu.procurement import services as procurement
from bangfu.procurement.indicators import compute_indicators
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.providers import kinds
from bangfu.referrals import dashboards, selectors, services
from bangfu.referrals.errors import CapacityFull, ProviderUnavailable, QuotaUsedUp
from bangfu.referrals.models import IntakeCase, Notification, Referral, ServiceSession
from bangfu.registry.models import ServiceCategory
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory
from tests.referrals.conftest import RankedProvider
from tests.referrals.projects import agency_with_staff, buyer_of

Status = Referral.Status
pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
CONTRACT = {"starts_on": dt.date(2026, 3, 1), "ends_on": dt.date(2026, 12, 31)}


@pytest.fixture(autouse=True)
def _late_2026():
    """Projects are referred to within their contract: the tests live on 20 November 2026."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


@pytest.fixture(autouse=True)
def _ranked(engine):
    """Opening a case asks the engine for candidates: the fake one answers."""


def category(code: str) -> ServiceCategory:
    return ServiceCategory.objects.get(code=code)


@pytest.fixture
def buyer(place):
    return buyer_of(place["county"])


@pytest.fixture
def agency_and_staff(place):
    return agency_with_staff(
        place["county"], name="元江县阳光社会工作服务中心", username="agency_staff"
    )


@pytest.fixture
def agency(agency_and_staff):
    return agency_and_staff[0]


@pytest.fixture
def agency_staff(agency_and_staff):
    return agency_and_staff[1]


@pytest.fixture
def project(buyer, agency):
    """Home care by the hour and resource-linking by the case, for two households."""
    return buyer.project(
        agency=agency,
        items=("home-care", "resource-linking-case"),
        target_households=2,
        **CONTRACT,
    )


def refer(desk, need, project) -> Referral:
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
    return services.referral_send(intake=intake, provider_id=project.provider_id, by=desk)


def new_household(place, number: int):
    household = HouseholdFactory(region=place["village"], registry_number=f"530428-{number:04d}")
    MemberFactory(household=household)
    return household


def need_of(household, code: str = "care"):
    return NeedFactory(household=household, category=category(code))


def session(referral, by, *, minutes=90, code="care", held_on=TODAY) -> ServiceSession:
    return services.service_session_log(
        referral=referral,
        by=by,
        held_on=held_on,
        duration_minutes=minutes,
        category=category(code),
        notes="上门照料",
    )


def delivered(project) -> dict[str, Decimal]:
    """What the project delivered so far, line by line, as its page shows it."""
    project = Project.objects.get(pk=project.pk)
    return {row.line.item.code: row.delivered for row in project.delivery_by_line()}


# --- sending and answering ---------------------------------------------------------------------


def test_the_desk_refers_a_need_to_the_project_and_the_agencys_staff_answer_it(
    desk, need, project, agency_staff, station
):
    referral = refer(desk, need, project)

    assert referral.provider == project.provider
    assert selectors.provider_users(project.provider_id) == [agency_staff]
    assert Notification.objects.get(recipient=agency_staff).kind == Notification.Kind.NEW_REFERRAL
    assert selectors.providers_of(agency_staff) == [project.provider]
    assert list(selectors.provider_referrals(agency_staff)) == [referral]
    assert list(selectors.provider_referrals(station.staff)) == []

    accepted = services.referral_accept(referral=referral, by=agency_staff)

    assert accepted.status == Status.ACCEPTED
    assert accepted.slot is None  # a project counts households, not slots


def test_a_station_or_another_agency_cannot_answer_the_projects_referral(
    desk, need, project, station, place
):
    referral = refer(desk, need, project)
    _other_agency, other_staff = agency_with_staff(
        place["county"], name="元江县另一家社工机构", username="other_agency_staff"
    )

    for outsider in (station.staff, other_staff):
        with pytest.raises(PermissionDenied):
            services.referral_accept(referral=referral, by=outsider)
        assert list(selectors.provider_referrals(outsider)) == []
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT


def test_the_engines_first_candidate_may_be_the_project(desk, need, project, engine):
    engine.candidates = [
        RankedProvider("project", project.provider_id, project.name, 0.95, {"capacity": 1.0}, 4.1),
        *engine.candidates,
    ]
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)

    referral = services.intake_route(intake=intake, by=desk)

    assert (referral.provider, referral.rank, referral.score) == (project.provider, 1, 0.95)


def test_routing_passes_over_a_first_candidate_that_cannot_take_the_case(
    desk, need, place, project, station, engine
):
    # The project buys no counselling: the engine's stale first choice is refused at sending.
    engine.candidates = [
        RankedProvider("project", project.provider_id, project.name, 0.95, {"capacity": 1.0}, 4.1),
        *engine.candidates,
    ]
    need.category = category("counselling")
    need.save(update_fields=["category"])
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)

    referral = services.intake_route(intake=intake, by=desk)

    assert (referral.provider, referral.rank) == (station.provider, 2)
    assert Referral.objects.filter(intake=intake).count() == 1


# --- what a session delivers -------------------------------------------------------------------


def test_ninety_minutes_on_an_hourly_line_deliver_one_and_a_half_hours_to_the_household(
    desk, need, household, project, agency_staff
):
    referral = services.referral_accept(referral=refer(desk, need, project), by=agency_staff)

    logged = session(referral, agency_staff, minutes=90)

    record = DeliveryRecord.objects.get(project=project)
    assert (logged.delivery_record, record.case) == (record.pk, referral.pk)
    assert (record.line.item.code, record.quantity, record.household, record.delivered_on) == (
        "home-care",
        Decimal("1.50"),
        household,
        TODAY,
    )
    assert record.recorded_by == agency_staff
    assert delivered(project) == {"home-care": Decimal("1.50"), "resource-linking-case": 0}
    assert Project.objects.get(pk=project.pk).households_served() == 1
    assert Referral.objects.get(pk=referral.pk).status == Status.IN_SERVICE


def test_a_sub_service_is_counted_against_the_line_that_buys_its_parent(
    desk, household, project, agency_staff
):
    # 助餐 (meal help) is part of 照料护理 (care), which the home-care line buys.
    referral = refer(desk, need_of(household, "meal-help"), project)
    services.referral_accept(referral=referral, by=agency_staff)

    session(referral, agency_staff, minutes=45, code="meal-help")

    assert delivered(project) == {"home-care": Decimal("0.75"), "resource-linking-case": 0}


def test_a_line_bought_per_case_counts_the_case_on_its_first_session_only(
    desk, household, project, agency_staff
):
    referral = refer(desk, need_of(household, "resource-linking"), project)
    services.referral_accept(referral=referral, by=agency_staff)

    first = session(referral, agency_staff, minutes=120, code="resource-linking")
    second = session(referral, agency_staff, minutes=60, code="resource-linking")

    assert DeliveryRecord.objects.get(pk=first.delivery_record).quantity == Decimal("1")
    assert second.delivery_record is None
    assert delivered(project) == {"home-care": 0, "resource-linking-case": Decimal("1")}


def test_a_session_after_the_contract_ended_is_refused_and_nothing_is_counted(
    desk, need, buyer, agency, agency_staff
):
    project = buyer.project(
        agency=agency, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 11, 30)
    )
    referral = services.referral_accept(referral=refer(desk, need, project), by=agency_staff)

    two_days_after = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(two_days_after), pytest.raises(ValidationError) as refused:
        session(referral, agency_staff, held_on=dt.date(2026, 12, 2))

    assert refused.value.message_dict == {"held_on": ["The date lies outside the contract period."]}
    assert not ServiceSession.objects.filter(referral=referral).exists()
    assert not DeliveryRecord.objects.exists()


def test_the_portal_shows_a_date_outside_the_contract_on_the_session_date(
    client, desk, need, buyer, agency, agency_staff
):
    project = buyer.project(
        agency=agency, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 11, 30)
    )
    referral = services.referral_accept(referral=refer(desk, need, project), by=agency_staff)

    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        client.force_login(agency_staff)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.post(
            f"/portal/{referral.pk}/sessions/",
            {"held_on": "2026-12-02", "duration_minutes": 60, "category": need.category_id},
        )

    assert response.status_code == 400
    assert response.context["session_form"].errors["held_on"] == [
        "The date lies outside the contract period."
    ]


# --- the household quota -----------------------------------------------------------------------


def test_the_third_household_is_refused_once_two_of_two_are_taken(
    desk, place, project, agency_staff
):
    referrals = [refer(desk, need_of(new_household(place, n)), project) for n in (1, 2, 3)]
    for referral in referrals[:2]:
        services.referral_accept(referral=referral, by=agency_staff)

    with pytest.raises(QuotaUsedUp, match="2 of 2 households") as refused:
        services.referral_accept(referral=referrals[2], by=agency_staff)

    assert isinstance(refused.value, CapacityFull)
    assert Referral.objects.get(pk=referrals[2].pk).status == Status.SENT
    dashboard = dashboards.provider_dashboard(project.provider)
    assert (dashboard.quota, dashboard.capacity, dashboard.open_cases) == (True, 2, 2)
    assert dashboard.headroom == 0
    assert dashboard.awaiting_answer == 1


def test_a_household_served_before_counts_once_for_its_next_need(
    desk, place, project, agency_staff
):
    first_household, second_household = new_household(place, 1), new_household(place, 2)
    first = services.referral_accept(
        referral=refer(desk, need_of(first_household), project), by=agency_staff
    )
    services.referral_accept(
        referral=refer(desk, need_of(second_household), project), by=agency_staff
    )
    session(first, agency_staff)
    services.referral_complete(referral=first, by=agency_staff, outcome="照料到位")

    again = services.referral_accept(
        referral=refer(desk, need_of(first_household, "resource-linking"), project),
        by=agency_staff,
    )

    assert again.status == Status.ACCEPTED
    assert dashboards.provider_dashboard(project.provider).open_cases == 2


def test_a_counted_households_second_open_need_is_accepted_while_its_first_is_served(
    desk, place, project, agency_staff
):
    first_household, second_household = new_household(place, 1), new_household(place, 2)
    for household in (first_household, second_household):
        services.referral_accept(referral=refer(desk, need_of(household), project), by=agency_staff)

    again = services.referral_accept(
        referral=refer(desk, need_of(first_household, "resource-linking"), project),
        by=agency_staff,
    )

    assert again.status == Status.ACCEPTED


def test_a_declined_referral_frees_nothing_it_never_took(desk, place, project, agency_staff):
    referrals = [refer(desk, need_of(new_household(place, n)), project) for n in (1, 2, 3, 4)]
    for referral in referrals[:2]:
        services.referral_accept(referral=referral, by=agency_staff)
    pending = kinds.quota_households([project.provider_id], pending=True)[project.provider_id]
    assert len(pending) == 4

    services.referral_decline(
        referral=referrals[2], by=agency_staff, reason=Referral.DeclineReason.FULL
    )

    households = kinds.quota_households([project.provider_id], pending=True)
    assert len(households[project.provider_id]) == 3
    assert len(kinds.quota_households([project.provider_id])[project.provider_id]) == 2
    with pytest.raises(QuotaUsedUp, match="2 of 2 households"):
        services.referral_accept(referral=referrals[3], by=agency_staff)


@pytest.fixture
def quota_of_one():
    """The project kind as procurement registered it, but counting a quota of one household."""
    registered = kinds.kind_of("project")
    kinds.register(dataclasses.replace(registered, capacity=lambda project: 1))
    yield
    kinds.register(registered)


def test_the_quota_is_checked_through_the_kind_procurement_registered(
    desk, place, project, agency_staff, quota_of_one
):
    # The project's contract pays for two households; the registered kind says one: the
    # referrals app asks the kind, not the project.
    assert not kinds.kind_of("project").holds_slots
    first, second = (refer(desk, need_of(new_household(place, n)), project) for n in (1, 2))
    services.referral_accept(referral=first, by=agency_staff)

    with pytest.raises(QuotaUsedUp, match="1 of 1 households"):
        services.referral_accept(referral=second, by=agency_staff)

    assert Referral.objects.get(pk=second.pk).status == Status.SENT


# --- what the desk cannot send -----------------------------------------------------------------


def assert_not_sent(desk, need, project, message: str) -> None:
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
    with pytest.raises(ProviderUnavailable, match=message):
        services.referral_send(intake=intake, provider_id=project.provider_id, by=desk)
    assert not Referral.objects.filter(provider=project.provider).exists()
    assert IntakeCase.objects.get(pk=intake.pk).status == IntakeCase.Status.OPEN


def test_a_project_not_yet_under_way_takes_no_referrals(desk, need, buyer, agency):
    approved = buyer.project(agency=agency, start=False, **CONTRACT)

    assert_not_sent(desk, need, approved, "not taking referrals now")


@pytest.mark.parametrize(
    "starts_on, ends_on",
    [
        pytest.param(dt.date(2026, 3, 1), dt.date(2026, 11, 19), id="ended-yesterday"),
        pytest.param(dt.date(2026, 11, 21), dt.date(2026, 12, 31), id="starts-tomorrow"),
    ],
)
def test_a_project_whose_contract_does_not_cover_today_takes_no_referrals(
    desk, need, buyer, agency, starts_on, ends_on
):
    project = buyer.project(agency=agency, starts_on=starts_on, ends_on=ends_on)

    assert_not_sent(desk, need, project, "not taking referrals now")


def test_a_project_bought_by_another_township_does_not_serve_the_household(
    desk, need, place, agency
):
    elsewhere = buyer_of(place["other_town"]).project(agency=agency, **CONTRACT)

    assert_not_sent(desk, need, elsewhere, "outside the project's service area")


def test_a_project_serves_its_service_area_only(desk, need, place, buyer, agency):
    # Bought by the county, for the other township only.
    project = buyer.project(agency=agency, **CONTRACT)
    project.service_area.set([place["other_town"]])

    assert_not_sent(desk, need, project, "outside the project's service area")


def test_a_referral_waiting_when_the_contract_ends_can_no_longer_be_accepted(
    desk, need, buyer, agency, agency_staff
):
    project = buyer.project(agency=agency, starts_on=dt.date(2026, 3, 1), ends_on=TODAY)
    referral = refer(desk, need, project)

    tomorrow = dt.datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with (
        time_machine.travel(tomorrow),
        pytest.raises(ProviderUnavailable, match="not taking new cases now"),
    ):
        services.referral_accept(referral=referral, by=agency_staff)

    assert Referral.objects.get(pk=referral.pk).status == Status.SENT


def test_a_need_no_line_of_the_project_buys_is_not_sent_to_it(desk, household, project):
    assert_not_sent(desk, need_of(household, "counselling"), project, "does not buy")


# --- the project's end and its evaluation ------------------------------------------------------


def test_the_project_closes_only_once_its_referrals_are_done(
    desk, need, project, buyer, agency_staff
):
    referral = services.referral_accept(referral=refer(desk, need, project), by=agency_staff)
    session(referral, agency_staff)

    with pytest.raises(ValidationError, match="1 referral to this project is still open"):
        procurement.project_close(project=project, by=buyer.staff)
    assert Project.objects.get(pk=project.pk).status == Project.Status.IN_PROGRESS

    services.referral_complete(referral=referral, by=agency_staff, outcome="照料到位")
    closed = procurement.project_close(project=project, by=buyer.staff)

    assert closed.status == Project.Status.CLOSED


def test_the_households_feedback_enters_the_projects_satisfaction(
    desk, need, place, project, buyer, agency_staff
):
    referral = services.referral_accept(referral=refer(desk, need, project), by=agency_staff)
    session(referral, agency_staff)
    services.referral_complete(referral=referral, by=agency_staff, outcome="照料到位")
    services.feedback_record(referral=referral, by=desk, satisfaction=4)
    # A delivery the bureau recorded outside a referral, rated 5 by its household.
    procurement.delivery_record(
        project=project,
        by=buyer.staff,
        line=project.lines.get(item__code="home-care"),
        delivered_on=TODAY,
        quantity=Decimal("2"),
        household=new_household(place, 7),
        satisfaction=5,
    )

    indicators = {
        indicator.code: indicator
        for indicator in compute_indicators(project, procurement.scheme_for(project))
    }

    # (4 + 5) / 2 = 4.5 out of 5; the session's own delivery carries no rating.
    assert indicators["satisfaction"].value == Decimal("4.50")
    assert indicators["satisfaction"].score == Decimal("90.00")


def test_timeliness_is_the_median_wait_from_referral_to_first_service(
    desk, place, buyer, agency, agency_staff
):
    project = buyer.project(agency=agency, target_households=3, **CONTRACT)
    # Three households referred today; first sessions after 0, 2 and 9 days: the median is 2.
    for number, wait in ((1, 0), (2, 2), (3, 9)):
        referral = refer(desk, need_of(new_household(place, number)), project)
        services.referral_accept(referral=referral, by=agency_staff)
        day = TODAY + dt.timedelta(days=wait)
        with time_machine.travel(dt.datetime.combine(day, dt.time(10), ZoneInfo("Asia/Shanghai"))):
            session(referral, agency_staff, held_on=day)

    indicators = {
        indicator.code: indicator
        for indicator in compute_indicators(project, procurement.scheme_for(project))
    }

    # Full score within 7 days (the default scheme).
    assert indicators["timeliness"].value == 2
    assert indicators["timeliness"].score == Decimal("100.00")


# --- what the matching engine sees -------------------------------------------------------------


def test_the_engine_counts_a_referral_waiting_for_an_answer_against_the_quota(
    desk, need, place, project, buyer, agency
):
    refer(desk, need, project)
    ended = buyer.project(
        agency=agency,
        name="已到期项目",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 10, 31),
    )

    providers = adapter.load_instance(place["county"]).providers
    here, gone = providers.positions(
        [
            adapter.key_of("project", project.provider_id),
            adapter.key_of("project", ended.provider_id),
        ]
    )

    assert (providers.capacity[here], providers.capacity_total[here]) == (1, 2)
    assert gone == -1
