"""A verification visit ends in a recommendation to the township, never in a change of status
(003: 「审核确认权下放至乡镇（街道）」): the assistant recommends 单人纳保 for the severely disabled
son of a 低保边缘 household, the household keeps its status, and only the township reviewer's
confirmation makes the son covered."""

import pytest
from django.urls import reverse

from bangfu.discovery.models import Flag, Rule, Task
from bangfu.discovery.services import Recommendation, task_complete
from bangfu.registry.models import Member, StatusDecision, Tier
from tests.discovery.conftest import TODAY, household
from tests.factories import township_reviewer

NO_NEEDS = {
    "needs-TOTAL_FORMS": "0",
    "needs-INITIAL_FORMS": "0",
    "needs-MIN_NUM_FORMS": "0",
    "needs-MAX_NUM_FORMS": "20",
}


def warning(place, assistant, home, member, *, rule=Rule.SEVERE_DISABILITY, evidence=None):
    """A warning about ``member`` and its verification task, as a scan leaves them."""
    task = Task.objects.create(
        kind=Task.Kind.VERIFY,
        region=place["village"],
        household=home,
        assignee=assistant,
        due_on=TODAY,
    )
    Flag.objects.create(
        rule=rule,
        key=f"{rule}:{member.pk}",
        region=place["village"],
        household=home,
        member=member,
        evidence=evidence
        or {
            "registered_on": "2026-10-02",
            "disability": "physical",
            "grade": 1,
            "tier": "marginal",
        },
        fired_on=TODAY,
        task=task,
    )
    return task


@pytest.fixture
def marginal(place):
    """A 低保边缘 household: the mother, and a son with a grade-1 physical disability."""
    home, (_mother, son) = household(
        place["village"],
        tier=Tier.MARGINAL,
        members=[
            {"name": "杨桂仙", "income": "900.00"},
            {"name": "杨小军", "disability": Member.Disability.PHYSICAL, "disability_grade": 1},
        ],
    )
    return home, son


def test_the_visit_recommends_and_only_the_reviewers_confirmation_covers_the_son(
    place, assistant, marginal, client
):
    home, son = marginal
    task = warning(place, assistant, home, son)
    client.force_login(assistant)
    url = reverse("discovery:task-detail", args=[task.pk])
    form = client.get(url).content.decode()
    assert "Recommendation to the township" in form and 'name="to_status"' in form

    response = client.post(
        url,
        {
            "outcome": "recommended",
            "visited_on": TODAY.isoformat(),
            "kind": "enrol",
            "member": son.pk,
            "to_status": "single_dibao",
            "exit_reason": "",
            "dismiss_reason": "",
            "note": "一级肢体残疾，母亲务农，收入不稳定",
            **NO_NEEDS,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]

    task.refresh_from_db()
    decision = task.decision
    assert (task.status, task.outcome) == ("done", "recommended")
    assert (decision.state, decision.kind, decision.member, decision.to_status) == (
        "proposed",
        "enrol",
        son,
        "single_dibao",
    )
    assert decision.from_status == "none" and decision.source == "verification"
    # The calculator's figures as the visit found them: the county's standard, 45% of 1,760.
    assert decision.figures["dibao_standard"] == "792"
    # Nothing changed yet.
    home.refresh_from_db()
    son.refresh_from_db()
    assert (home.tier, home.household_tier, son.personal_status) == (
        Tier.MARGINAL,
        "marginal",
        "none",
    )
    page = client.get(url).content.decode()
    assert "recommendation sent to the township" in page and "proposed" in page
    assert reverse("registry:decision-detail", args=[decision.pk]) in page

    # The township's reviewer reads the warning and the figures, and confirms.
    client.force_login(township_reviewer(place["town"]))
    detail = reverse("registry:decision-detail", args=[decision.pk])
    page = client.get(detail).content.decode()
    assert str(Rule.SEVERE_DISABILITY.label) in page  # the warning behind it
    assert "792.00" in page and son.id_number not in page
    response = client.post(
        detail,
        {
            "action": "confirm",
            "confirm-reference": "元民救〔2026〕201号",
            "confirm-effective_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    home.refresh_from_db()
    son.refresh_from_db()
    assert son.personal_status == "single_dibao"
    assert (home.tier, home.household_tier) == (Tier.DIBAO, "marginal")
    client.force_login(assistant)
    assert "confirmed" in client.get(url).content.decode()


def test_a_persons_status_is_about_the_person_of_the_warning_unless_another_is_named(
    place, assistant, marginal
):
    home, son = marginal
    task = warning(place, assistant, home, son)
    task_complete(
        task=task,
        by=assistant,
        outcome="recommended",
        recommendation=Recommendation(kind="enrol", to_status="single_dibao"),
    )
    task.refresh_from_db()
    assert task.decision.member == son
    assert task.decision.evidence["flag"] == task.flag.pk


def test_a_recommendation_says_what_it_recommends(place, assistant, marginal, client):
    home, son = marginal
    task = warning(place, assistant, home, son)
    client.force_login(assistant)
    response = client.post(
        reverse("discovery:task-detail", args=[task.pk]),
        {"outcome": "recommended", "visited_on": TODAY.isoformat(), "kind": "", **NO_NEEDS},
    )
    assert response.status_code == 200
    assert "to_status" in response.context["form"].errors
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and not StatusDecision.objects.exists()


def test_a_warning_that_suggests_an_exit_prefills_the_recommendation(place, assistant, client):
    home, (head,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "王大福"}])
    task = warning(
        place,
        assistant,
        home,
        head,
        rule=Rule.MEDICAL,
        evidence={"recommend": "exit"},
    )
    client.force_login(assistant)
    form = client.get(reverse("discovery:task-detail", args=[task.pk])).context["form"]
    assert form["outcome"].value() == "recommended"
    assert (form["kind"].value(), form["to_status"].value()) == ("exit", "none")
