"""The closed loop: a department's file raises a warning, the village's assistant verifies it
and recommends the person's enrolment to the township, the needs found are recorded and referred
to a station; the township's reviewer confirms, and only then is the person covered."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bangfu.accounts.models import Membership
from bangfu.core import crypto
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import CandidatePerson, Flag, Source, Task
from bangfu.discovery.services import Recommendation, task_complete
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import Household, Need, ServiceCategory, StatusDecision, Tier
from tests.discovery.conftest import DISABILITY, TODAY, csv_upload, household, person_id
from tests.factories import StationFactory, UserFactory, member_of, township_reviewer


@pytest.fixture
def station(place, station_org):
    """The township's social-work station, offering 照料护理, with its staff member."""
    station = StationFactory(organisation=station_org, capacity=3)
    return station


def import_disability(bureau, rows):
    report = import_crosscheck(
        csv_upload(DISABILITY, rows), source=Source.DISABILITY, filename="残联.csv", by=bureau
    )
    assert report.ok, report.errors
    return report


def test_from_warning_to_recommendation_to_referral_to_confirmed_enrolment(
    place, bureau, assistant, station, client
):
    number = person_id(dt.date(1958, 7, 9))
    import_disability(
        bureau,
        [[number, "欧阳晓明", place["village"].code, "肢体", "一级", "2026-10-02"]],
    )
    flag = Flag.objects.get()
    task = flag.task
    assert task.assignee == assistant and task.candidate.name == "欧阳晓明"

    client.force_login(assistant)
    worklist = client.get(reverse("discovery:task-list")).content.decode()
    assert "欧**明" in worklist and "欧阳晓明" not in worklist  # masked in lists
    page = client.get(reverse("discovery:task-detail", args=[task.pk])).content.decode()
    assert "欧阳晓明" in page and "grade 1 (severe)" in page

    care = ServiceCategory.objects.get(code="care")
    response = client.post(
        reverse("discovery:task-detail", args=[task.pk]),
        {
            "outcome": "recommended",
            "visited_on": TODAY.isoformat(),
            "kind": "enrol",
            "member": "",
            "to_status": "dibao",
            "exit_reason": "",
            "note": "独居，行动不便",
            "registry_number": "530428-90001",
            "address": "村201 3组8号",
            "phone": "",
            "needs-TOTAL_FORMS": "1",
            "needs-INITIAL_FORMS": "0",
            "needs-MIN_NUM_FORMS": "0",
            "needs-MAX_NUM_FORMS": "20",
            "needs-0-category": care.pk,
            "needs-0-severity": "4",
            "needs-0-urgency": "soon",
            "needs-0-preferred_times": "",
            "needs-0-notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]

    # Registered: a new one-person household, its head the candidate person, with no status
    # yet: the recommendation waits for the township.
    home = Household.objects.get(registry_number="530428-90001")
    assert (home.tier, home.region, home.enrolled_on) == (Tier.NONE, place["village"], None)
    head = home.members.get()
    assert head.id_number_hash == crypto.lookup_hash(number)
    assert (head.disability, head.disability_grade) == ("physical", 1)
    decision = StatusDecision.objects.get(household=home)
    assert (decision.state, decision.kind, decision.to_status, decision.source) == (
        "proposed",
        "enrol",
        "dibao",
        "verification",
    )
    assert decision.recommended_by == assistant and decision.note == "独居，行动不便"
    assert decision.evidence == {"task": task.pk, "flag": flag.pk, "rule": flag.rule}
    candidate = CandidatePerson.objects.get()
    assert candidate.member == head and candidate.id_number == ""

    # The need went through the registry, to the intake desk and on to the station.
    need = Need.objects.get(household=home)
    assert (need.category, need.severity) == (care, 4)
    intake = IntakeCase.objects.get(need=need)
    assert intake.source == IntakeCase.Source.VISIT
    referral = Referral.objects.get(need=need)
    assert referral.provider == station.provider and referral.status == Referral.Status.SENT
    need.refresh_from_db()
    assert need.status == Need.Status.REFERRED

    task.refresh_from_db()
    assert (task.status, task.outcome, task.decision) == ("done", "recommended", decision)
    assert task.household == home and task.assessment == need.assessment
    flag.refresh_from_db()
    assert flag.household == home and flag.member == head

    # Verified, not yet enrolled: the bureau's overview counts found and verified only.
    client.force_login(bureau)
    overview = client.get(reverse("discovery:dashboard"))
    row = next(r for r in overview.context["places"] if r.place == place["town"])
    assert (row.found, row.verified, row.enrolled) == (1, 1, 0)

    # The township's reviewer confirms with the benefits system's reference.
    client.force_login(township_reviewer(place["town"]))
    response = client.post(
        reverse("registry:decision-detail", args=[decision.pk]),
        {
            "action": "confirm",
            "confirm-reference": "元民救〔2026〕77号",
            "confirm-effective_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.tier, home.household_tier, home.enrolled_on) == (Tier.DIBAO, "dibao", TODAY)
    # Severely disabled, stable: reviewed yearly, from the decision's effective date.
    assert home.next_review_due == dt.date(2027, 11, 20)

    client.force_login(bureau)
    overview = client.get(reverse("discovery:dashboard"))
    row = next(r for r in overview.context["places"] if r.place == place["town"])
    assert (row.found, row.verified, row.enrolled) == (1, 1, 1)
    assert "<svg" in overview.content.decode()


def test_a_referral_without_enrolment_records_needs_for_a_registered_household(
    place, bureau, assistant, station
):
    home, (member,) = household(place["village"], tier=Tier.MARGINAL)
    import_disability(bureau, [[member.id_number, member.name, "", "智力", "三级", "2026-09-01"]])
    task = Task.objects.get()
    care = ServiceCategory.objects.get(code="care")
    task_complete(
        task=task,
        by=assistant,
        outcome="referred",
        needs=[{"category": care, "severity": 3, "urgency": "routine"}],
    )
    home.refresh_from_db()
    assert home.tier == Tier.MARGINAL  # nothing recommended: referred only
    assert not StatusDecision.objects.exists()
    assert Referral.objects.get(need__household=home).provider == station.provider


def test_a_dismissal_needs_a_reason_and_changes_nothing(place, bureau, assistant):
    home, (member,) = household(place["village"])
    import_disability(bureau, [[member.id_number, member.name, "", "肢体", "二级", "2026-09-01"]])
    task = Task.objects.get()
    with pytest.raises(ValidationError, match="Say why"):
        task_complete(task=task, by=assistant, outcome="dismissed")
    task_complete(task=task, by=assistant, outcome="dismissed", dismiss_reason="not_eligible")
    task.refresh_from_db()
    home.refresh_from_db()
    assert (task.status, task.dismiss_reason) == ("done", "not_eligible")
    assert home.tier == Tier.NONE and not Need.objects.exists()


def test_a_stranger_cannot_be_enrolled_without_a_registry_number(place, bureau, assistant):
    import_disability(
        bureau, [[person_id(), "张三", place["village"].code, "肢体", "一级", "2026-09-01"]]
    )
    task = Task.objects.get()
    with pytest.raises(ValidationError, match="not registered yet"):
        task_complete(
            task=task,
            by=assistant,
            outcome="recommended",
            recommendation=Recommendation(kind="enrol", to_status="dibao"),
        )
    assert not Household.objects.exists() and not StatusDecision.objects.exists()
    assert Task.objects.get().status == Task.Status.OPEN


def test_only_the_villages_assistant_or_bureau_records_the_visit(
    place, bureau, assistant, other_assistant, outsiders, client
):
    import_disability(
        bureau, [[person_id(), "张三", place["village"].code, "肢体", "一级", "2026-09-01"]]
    )
    task, flag = Task.objects.get(), Flag.objects.get()
    for user in [other_assistant, *outsiders]:
        client.force_login(user)
        expected = 404 if user == other_assistant else 403
        assert client.get(reverse("discovery:task-detail", args=[task.pk])).status_code == expected
        assert client.get(reverse("discovery:flag-detail", args=[flag.pk])).status_code == expected
        response = client.post(
            reverse("discovery:task-detail", args=[task.pk]),
            {"outcome": "dismissed", "visited_on": "2026-11-20", "dismiss_reason": "other"},
        )
        assert response.status_code == expected
    assert Task.objects.get().status == Task.Status.OPEN
    # An auditor reads the bureau's area but cannot record a visit.
    reader = UserFactory(username="auditor")
    member_of(reader, bureau.memberships.get().organisation, Membership.Role.AUDITOR)
    client.force_login(reader)
    page = client.get(reverse("discovery:task-detail", args=[task.pk]))
    assert page.status_code == 200 and "Record the visit" not in page.content.decode()
