"""The intake desk takes in a person over HTTP: a walk-in caller not in the registry is recorded by
name, phone and place and linked to their household later; the need is picked among the
household's or recorded in the case; the desk's note travels with the referral; a household
outside the desk's area cannot be linked by posting its id."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bangfu.accounts.scoping import forget_scope
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.todos import cases_without_referral
from bangfu.registry.models import Need, ServiceCategory
from tests.factories import (
    HouseholdFactory,
    NeedFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
)
from tests.referrals.conftest import Role

from .test_desk_views import browser

pytestmark = pytest.mark.django_db

NEW = "/staff/referrals/intake/new/"


def case_url(intake: IntakeCase, action: str = "") -> str:
    return f"/staff/referrals/intake/{intake.pk}/{action}"


@pytest.fixture
def walk_in(desk, place) -> IntakeCase:
    """A caller not in the registry, at the window, with the phone the household was given."""
    return services.intake_open(
        by=desk,
        source=IntakeCase.Source.WALK_IN,
        township=place["town"],
        village=place["village"],
        caller_name="欧阳晓明",
        caller_phone="13800001111",
        description="腿脚不便，想请人上门照料",
    )


@pytest.fixture
def elsewhere(county_b):
    """A household of another county."""
    _county, _town, village = county_b
    return HouseholdFactory(region=village, registry_number="350502-0007", phone="13800001111")


def test_a_walk_in_caller_not_in_the_registry_is_recorded_as_a_person(engine, desk, place):
    client = browser(desk)
    form = client.get(NEW).content.decode()
    assert 'value="walk_in" selected' in form  # 窗口来访 is where the desk starts
    assert 'name="household"' in form and "/staff/search/suggest/" in form
    assert '<select name="need"' not in form

    response = client.post(
        NEW,
        {
            "source": "walk_in",
            "caller_name": "李桂兰",
            "caller_phone": "138-0000-2222",
            "place": place["village"].code,
            "description": "独居老人，想请人每周上门打扫",
        },
    )

    intake = IntakeCase.objects.get()
    assert response["Location"] == case_url(intake)
    assert (intake.source, intake.region, intake.household, intake.need) == (
        IntakeCase.Source.WALK_IN,
        place["village"],
        None,
        None,
    )
    assert (intake.caller_name, intake.caller_phone) == ("李桂兰", "13800002222")
    with connection.cursor() as cursor:  # encrypted at rest, like the household's phone
        cursor.execute(
            "SELECT caller_name, caller_phone FROM referrals_intakecase WHERE id = %s", [intake.pk]
        )
        stored = cursor.fetchone()
    assert "李桂兰" not in stored[0] and "13800002222" not in stored[1]
    page = client.get(case_url(intake)).content.decode()
    assert "李桂兰" in page and 'href="tel:13800002222"' in page
    assert f"/staff/households/new/?region={place['village'].pk}" in page


def test_a_caller_without_household_needs_a_name_phone_and_place(engine, desk, place):
    response = browser(desk).post(NEW, {"source": "walk_in", "description": "求助"})
    assert response.status_code == 400
    assert "record their name, phone and place" in response.content.decode()
    assert not IntakeCase.objects.exists()


def test_the_desk_opens_a_case_on_the_household_it_found_and_picks_its_need(
    engine, desk, household, need
):
    client = browser(desk)
    response = client.post(
        NEW, {"source": "walk_in", "household": household.pk, "description": "来窗口询问照料"}
    )
    intake = IntakeCase.objects.get()
    assert response["Location"] == case_url(intake)
    assert (intake.household, intake.region, intake.need) == (household, household.region, None)

    page = client.get(case_url(intake)).content.decode()
    assert f'id="take-need-{need.pk}"' in page and "Record a new need" in page
    response = client.post(case_url(intake, "need/"), {"need": need.pk})
    assert response["Location"] == case_url(intake)
    assert IntakeCase.objects.get(pk=intake.pk).need == need


def test_a_caller_recorded_as_a_person_is_linked_to_their_household_later(
    engine, desk, walk_in, household
):
    client = browser(desk)
    page = client.get(case_url(walk_in)).content.decode()
    # The household registered with the caller's phone is offered first.
    assert f'id="link-{household.pk}"' in page

    response = client.post(case_url(walk_in, "household/"), {"household": household.pk})

    assert response["Location"] == case_url(walk_in)
    intake = IntakeCase.objects.get(pk=walk_in.pk)
    assert (intake.household, intake.region) == (household, household.region)
    assert intake.caller_name == "欧阳晓明"  # the person recorded stays on the case


def test_the_need_is_recorded_in_the_case_and_the_note_travels_with_the_referral(
    engine, desk, walk_in, household, station
):
    client = browser(desk)
    client.post(case_url(walk_in, "household/"), {"household": household.pk})
    category = ServiceCategory.objects.get(code="care")

    response = client.post(
        case_url(walk_in, "need/new/"),
        {
            "need-category": category.pk,
            "need-severity": "4",
            "need-urgency": Need.Urgency.URGENT,
            "need-preferred_times": "上午",
            "need-notes": "右腿骨折，需要上门照料",
        },
    )

    assert response["Location"] == case_url(walk_in)
    need = IntakeCase.objects.get(pk=walk_in.pk).need
    assert (need.household, need.category, need.severity, need.urgency) == (
        household,
        category,
        4,
        Need.Urgency.URGENT,
    )
    assert "intake desk" in need.assessment.summary
    page = client.get(case_url(walk_in)).content.decode()
    assert "Send to the first candidate" in page and 'name="note_to_provider"' in page

    client.post(case_url(walk_in, "refer-first/"), {"note_to_provider": "请先打电话，下午不在家"})

    referral = Referral.objects.get(intake=walk_in)
    assert referral.provider == station.provider
    assert referral.note_to_provider == "请先打电话，下午不在家"
    assert "请先打电话，下午不在家" in client.get(case_url(walk_in)).content.decode()


def test_a_picked_candidate_gets_the_note_too(engine, desk, intake, other_station):
    browser(desk).post(
        case_url(intake, "refer/"),
        {"provider": other_station.provider_id, "note_to_provider": "老人只会说哈尼语"},
    )
    referral = Referral.objects.get()
    assert (referral.provider, referral.note_to_provider) == (
        other_station.provider,
        "老人只会说哈尼语",
    )


def test_a_household_of_another_county_cannot_be_linked_by_posting_its_id(
    engine, desk, walk_in, household, elsewhere
):
    client = browser(desk)
    # Not offered, though its phone is the caller's.
    assert f'id="link-{elsewhere.pk}"' not in client.get(case_url(walk_in)).content.decode()

    refused = client.post(case_url(walk_in, "household/"), {"household": elsewhere.pk})
    opened = client.post(
        NEW, {"source": "walk_in", "household": elsewhere.pk, "description": "求助"}
    )

    assert refused.status_code == 400 and opened.status_code == 400
    assert IntakeCase.objects.get(pk=walk_in.pk).household is None
    assert IntakeCase.objects.count() == 1
    # Positive control: the same posts with the desk's own household go through.
    assert (
        client.post(case_url(walk_in, "household/"), {"household": household.pk}).status_code == 302
    )
    assert IntakeCase.objects.get(pk=walk_in.pk).household == household
    assert (
        client.post(
            NEW, {"source": "walk_in", "household": household.pk, "description": "求助"}
        ).status_code
        == 302
    )


def test_a_need_of_another_household_cannot_be_taken_into_the_case(
    engine, desk, walk_in, household, place
):
    other_need = NeedFactory(household=HouseholdFactory(region=place["village"]))
    client = browser(desk)
    client.post(case_url(walk_in, "household/"), {"household": household.pk})

    response = client.post(case_url(walk_in, "need/"), {"need": other_need.pk})

    assert response.status_code == 400
    assert IntakeCase.objects.get(pk=walk_in.pk).need is None
    # The service refuses it too, whatever form posts it; the household's own need goes through
    # (the positive control).
    linked = IntakeCase.objects.get(pk=walk_in.pk)
    with pytest.raises(ValidationError, match="another household"):
        services.intake_attach_need(intake=linked, need=other_need, by=desk)
    own_need = NeedFactory(household=household)
    assert services.intake_attach_need(intake=linked, need=own_need, by=desk).need == own_need


def accesses(intake: IntakeCase) -> list:
    """Who read the case's caller in clear: its auditlog "access" entries."""
    return list(
        LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS,
            content_type=ContentType.objects.get_for_model(IntakeCase),
            object_pk=str(intake.pk),
        ).values_list("actor__username", flat=True)
    )


@pytest.fixture
def auditor(place):
    user = UserFactory(username="auditor")
    member_of(
        user, OrganisationFactory(kind="bureau", name="审计", region=place["county"]), Role.AUDITOR
    )
    return user


def test_an_auditor_reads_the_caller_masked_and_leaves_no_access(desk, walk_in, auditor):
    page = browser(auditor).get(case_url(walk_in)).content.decode()

    assert "欧**明" in page and "138****1111" in page
    assert "欧阳晓明" not in page and "13800001111" not in page and "tel:" not in page
    assert accesses(walk_in) == []
    # Positive control: the desk reads the caller in clear, and that reading is on record.
    page = browser(desk).get(case_url(walk_in)).content.decode()
    assert "欧阳晓明" in page and 'href="tel:13800001111"' in page
    assert accesses(walk_in) == ["desk"]


def test_a_case_without_a_caller_is_read_without_an_access_entry(desk, intake):
    assert browser(desk).get(case_url(intake)).status_code == 200
    assert accesses(intake) == []


def test_the_note_to_the_provider_is_at_most_500_characters(desk, intake):
    client = browser(desk)
    refused = client.post(case_url(intake, "refer-first/"), {"note_to_provider": "请" * 501})

    assert refused.status_code == 400
    assert "at most 500 characters" in refused.content.decode()
    assert not Referral.objects.exists()
    # Positive control: 500 characters go with the referral.
    client.post(case_url(intake, "refer-first/"), {"note_to_provider": "请" * 500})
    assert Referral.objects.get().note_to_provider == "请" * 500


def test_the_desks_to_do_list_reads_its_cases_in_a_fixed_number_of_queries(engine, desk, household):
    def open_case(number: int) -> None:
        other = HouseholdFactory(region=household.region, registry_number=f"530428-09{number:02d}")
        need = NeedFactory(household=other, urgency=Need.Urgency.URGENT)
        services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)

    def queries() -> int:
        forget_scope(desk)
        with CaptureQueriesContext(connection) as captured:
            todos = cases_without_referral(desk, timezone.now())
        return len(captured), len(todos)

    open_case(1)
    one = queries()
    for number in range(2, 5):  # each still listed on its own (up to five)
        open_case(number)
    assert queries() == (one[0], 4)
