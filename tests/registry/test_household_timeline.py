"""The household's page tells its whole story, newest first: visits and needs, the desk's case, the
referral's moves and sessions, an offer allocated, a warning and its verification, a tier change;
and an open need offers "refer" and "record a visit" to those who may do them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery.models import Flag, Rule, Task
from bangfu.offers.models import Allocation
from bangfu.referrals.models import IntakeCase, Referral, ReferralEvent, ServiceSession
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Coverage, Need, ServiceCategory, StatusDecision, Tier
from tests.factories import (
    AssessmentFactory,
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    charity_with_staff,
    make_id_number,
    member_of,
)

Role = Membership.Role
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def at(day: int, hour: int = 10, month: int = 10) -> dt.datetime:
    """A moment of October 2026, Beijing time."""
    return dt.datetime(2026, month, day, hour - 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def client(client, settings):
    """Pages in English, as the assertions read them (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def detail_url(household, **query) -> str:
    url = reverse("registry:household-detail", args=[household.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _user(county_a, role, username, **membership):
    county, _town, village = county_a
    kind = Organisation.Kind.VILLAGE_COMMITTEE if role == Role.ASSISTANT else None
    organisation = OrganisationFactory(
        kind=kind or Organisation.Kind.BUREAU, region=village if kind else county
    )
    user = UserFactory(username=username)
    member_of(user, organisation, role, **membership)
    return user


@pytest.fixture
def auditor(county_a):
    return _user(county_a, Role.AUDITOR, "auditor_a")


@pytest.fixture
def assistant(county_a):
    return _user(county_a, Role.ASSISTANT, "assistant_a", villages=[county_a[2]])


@pytest.fixture
def station(county_a):
    _county, town, _village = county_a
    return StationFactory(organisation__region=town, organisation__name="镇101社工站")


def _referred_need(household, staff, station, *, day: int, sessions: int = 1) -> Referral:
    """A need taken to the desk, referred, accepted and in service, with its sessions."""
    need = NeedFactory(
        household=household,
        assessment__assessor=staff,
        assessment__assessed_on=dt.date(2026, 10, day - 1),
        opened_on=dt.date(2026, 10, day - 1),
        status=Need.Status.IN_SERVICE,
    )
    case = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=household.region,
        need=need,
        status=IntakeCase.Status.REFERRED,
        opened_by=staff,
        opened_at=at(day, 9),
    )
    referral = Referral.objects.create(
        intake=case,
        need=need,
        provider=station.provider,
        status=Referral.Status.IN_SERVICE,
        sent_by=staff,
        sent_at=at(day, 10),
        accept_due_at=at(day + 2),
        accepted_at=at(day + 1, 11),
    )
    for action, to, moment in (
        (ReferralEvent.Action.SENT, Referral.Status.SENT, at(day, 10)),
        (ReferralEvent.Action.ACCEPTED, Referral.Status.ACCEPTED, at(day + 1, 11)),
        (ReferralEvent.Action.IN_SERVICE, Referral.Status.IN_SERVICE, at(day + 3, 15)),
    ):
        ReferralEvent.objects.create(
            referral=referral, action=action, to_status=to, by=staff, at=moment
        )
    for number in range(sessions):
        ServiceSession.objects.create(
            referral=referral,
            held_on=dt.date(2026, 10, day + 3) + dt.timedelta(days=7 * number),
            duration_minutes=90,
            category=need.category,
            provided_by=staff,
        )
    return referral


@pytest.fixture
def story(county_a, bureau_staff, household_a, station):
    """Household A's October: a visit on the 1st finds two needs; the care need is referred on
    the 2nd and served from the 5th; rice is allocated for the other on the 10th; a warning on
    the 15th is verified on the 20th; the tier changes on the 25th."""
    county, _town, village = county_a
    # The verification's page shows the county's standards, worked out from its minimum wage.
    PolicyValue.objects.create(key="minimum_wage_monthly", region=county, year=2020, value="1760")
    visit = AssessmentFactory(
        household=household_a,
        assessor=bureau_staff,
        assessed_on=dt.date(2026, 10, 1),
        summary="独居老人，行动不便",
    )
    care = NeedFactory(household=household_a, assessment=visit, opened_on=dt.date(2026, 10, 1))
    hardship = NeedFactory(
        household=household_a,
        assessment=visit,
        category=ServiceCategory.objects.get(code="hardship-help"),
        opened_on=dt.date(2026, 10, 1),
    )
    case = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=village,
        need=care,
        status=IntakeCase.Status.REFERRED,
        opened_by=bureau_staff,
        opened_at=at(2, 9),
    )
    care.status = Need.Status.IN_SERVICE
    care.save()
    referral = Referral.objects.create(
        intake=case,
        need=care,
        provider=station.provider,
        status=Referral.Status.IN_SERVICE,
        sent_by=bureau_staff,
        sent_at=at(2, 10),
        accept_due_at=at(4),
        accepted_at=at(3, 11),
    )
    for action, to, moment in (
        (ReferralEvent.Action.SENT, Referral.Status.SENT, at(2, 10)),
        (ReferralEvent.Action.ACCEPTED, Referral.Status.ACCEPTED, at(3, 11)),
    ):
        ReferralEvent.objects.create(
            referral=referral, action=action, to_status=to, by=bureau_staff, at=moment
        )
    ServiceSession.objects.create(
        referral=referral,
        held_on=dt.date(2026, 10, 5),
        duration_minutes=90,
        category=care.category,
        provided_by=bureau_staff,
    )
    charity, _charity_user = charity_with_staff(county)
    offer = OfferFactory(charity=charity, title="爱心大米")
    Allocation.objects.create(
        offer=offer,
        need=hardship,
        household=household_a,
        units=1,
        amount=Decimal("150.00"),
        allocated_by=bureau_staff,
        allocated_at=at(10, 12),
    )
    task = Task.objects.create(
        kind=Task.Kind.VERIFY,
        region=village,
        household=household_a,
        due_on=dt.date(2026, 10, 25),
        status=Task.Status.DONE,
        outcome=Task.Outcome.RECOMMENDED,
        completed_on=dt.date(2026, 10, 20),
        completed_by=bureau_staff,
        decision=StatusDecision.objects.create(
            household=household_a,
            member=household_a.members.get(),
            kind=StatusDecision.Kind.ENROL,
            source=StatusDecision.Source.VERIFICATION,
            from_status=Coverage.NONE,
            to_status=Coverage.TEKUN,
            recommended_by=bureau_staff,
            recommended_at=at(20, 11),
        ),
    )
    Flag.objects.create(
        rule=Rule.MEDICAL,
        key="medical:household-a:2026",
        region=village,
        household=household_a,
        evidence={},
        fired_on=dt.date(2026, 10, 15),
        task=task,
    )
    with time_machine.travel(at(25, 16), tick=False):
        household_a.tier = Tier.TEKUN
        household_a.save()
    return {"care": care, "hardship": hardship, "referral": referral, "offer": offer}


# The story's entries, newest first, as the page shows them in English.
EXPECTED = [
    "Tier changed from minimum subsistence (低保) to destitute (特困)",
    "recommendation sent to the township",  # the verification's outcome, on the 20th
    "medical out-of-pocket spending over the threshold",  # the warning, on the 15th
    "Offer allocated: 爱心大米",
    "Care and nursing, 90 minutes",
    "镇101社工站: accepted",
    "Referred to 镇101社工站: Care and nursing",
    "Case opened (home visit): Care and nursing",
    "Need recorded: Care and nursing",
    "Visit by",
]


def test_the_timeline_shows_every_source_newest_first(staff_client, household_a, story):
    page = staff_client.get(detail_url(household_a)).content.decode()

    positions = [page.find(entry) for entry in EXPECTED]
    assert -1 not in positions, [e for e, p in zip(EXPECTED, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "独居老人，行动不便" in page  # the visit's summary
    assert "destitute (特困)" in page  # the status the verification recommended


def test_each_entry_links_to_its_page(staff_client, household_a, story):
    page = staff_client.get(detail_url(household_a)).content.decode()

    referral = story["referral"]
    for url in (
        reverse("referrals:referral-detail", args=[referral.pk]),
        reverse("referrals:intake-detail", args=[referral.intake_id]),
        reverse("offers:detail", args=[story["offer"].pk]),
        reverse("discovery:flag-detail", args=[Flag.objects.get().pk]),
        reverse("discovery:task-detail", args=[Task.objects.get().pk]),
    ):
        assert f'href="{url}"' in page
        # and the link opens
        assert staff_client.get(url).status_code == 200, url


def test_a_user_of_another_county_cannot_open_the_page(
    client, bureau_staff, outsider_staff, household_a, story
):
    # Positive control: the household's own county reads it.
    client.force_login(bureau_staff)
    assert client.get(detail_url(household_a)).status_code == 200

    client.force_login(outsider_staff)
    response = client.get(detail_url(household_a))

    assert response.status_code == 404
    assert "爱心大米" not in response.content.decode()


def test_another_households_story_stays_on_its_own_page(
    staff_client, county_a, bureau_staff, household_a, story, station
):
    neighbour = HouseholdFactory(region=county_a[2], registry_number="530428-0002")
    MemberFactory(household=neighbour, name="王建国", id_number=make_id_number(seq=77))
    _referred_need(neighbour, bureau_staff, station, day=12)

    page = staff_client.get(detail_url(household_a)).content.decode()

    # One referral of household A, none of the neighbour's: its sent entry is on the 12th.
    assert page.count("Referred to 镇101社工站") == 1
    assert "2026-10-12" not in page
    assert "王建国" not in page and "530428-0002" not in page


def test_id_numbers_stay_masked(staff_client, household_a, story):
    page = staff_client.get(detail_url(household_a)).content.decode()

    id_number = household_a.members.get().id_number
    assert id_number not in page
    assert id_number[:4] + "*" * 10 + id_number[-4:] in page


def test_queries_do_not_grow_with_the_story(
    staff_client, bureau_staff, household_a, story, station, django_assert_max_num_queries
):
    staff_client.get(detail_url(household_a))  # the content types and the session, cached
    with CaptureQueriesContext(connection) as small:
        staff_client.get(detail_url(household_a))
    for day in (6, 8, 11, 13, 16):
        _referred_need(household_a, bureau_staff, station, day=day, sessions=4)

    with django_assert_max_num_queries(len(small.captured_queries)):
        page = staff_client.get(detail_url(household_a, timeline="all")).content.decode()

    assert page.count("Referred to 镇101社工站") == 6
    assert page.count(", 90 minutes") == 1 + 5 * 4


def test_a_long_timeline_is_cut_with_a_link_to_all_of_it(
    staff_client, bureau_staff, household_a, story, station
):
    for day in (6, 8, 11, 13, 16):
        _referred_need(household_a, bureau_staff, station, day=day, sessions=4)

    page = staff_client.get(detail_url(household_a)).content.decode()
    everything = staff_client.get(detail_url(household_a, timeline="all")).content.decode()

    assert page.count('class="timeline-when') == 30
    assert "Show all" in page and "?timeline=all#timeline" in page
    assert everything.count('class="timeline-when') > 30
    assert "Show all" not in everything


def _actions(page: str, need: Need) -> dict[str, bool]:
    refer = f'href="{reverse("referrals:intake-create")}?need={need.pk}"'
    visit = f'href="{reverse("registry:assessment-create", args=[need.household_id])}"'
    return {"refer": refer in page, "visit": page.count(visit) > 1}


@pytest.mark.parametrize("role", ["bureau_staff", "assistant"])
def test_an_open_need_can_be_referred_and_visited_by_those_who_may(
    client, request, role, household_a, story
):
    user = request.getfixturevalue(role)
    client.force_login(user)

    page = client.get(detail_url(household_a)).content.decode()

    # The need of the rice is open: refer it, or record a visit.
    assert _actions(page, story["hardship"]) == {"refer": True, "visit": True}
    # The care need is in service, not open: no refer.
    assert f"?need={story['care'].pk}" not in page
    # The "refer" link opens the desk's form on that need.
    form = client.get(f"{reverse('referrals:intake-create')}?need={story['hardship'].pk}")
    assert form.status_code == 200


def test_a_need_already_at_the_desk_links_to_its_case(
    staff_client, bureau_staff, household_a, story
):
    hardship = story["hardship"]
    case = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=household_a.region,
        need=hardship,
        opened_by=bureau_staff,
        opened_at=at(11),
    )

    page = staff_client.get(detail_url(household_a)).content.decode()

    assert f"?need={hardship.pk}" not in page
    assert page.count(f'href="{reverse("referrals:intake-detail", args=[case.pk])}"') == 2


def test_an_auditor_reads_the_story_but_is_offered_no_action(client, auditor, household_a, story):
    client.force_login(auditor)

    page = client.get(detail_url(household_a)).content.decode()

    assert "Referred to 镇101社工站: Care and nursing" in page
    assert _actions(page, story["hardship"]) == {"refer": False, "visit": False}
    assert reverse("registry:assessment-create", args=[household_a.pk]) not in page
