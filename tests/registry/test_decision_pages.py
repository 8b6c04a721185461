"""The pages of status decisions: an assistant recommends from the household's page, the
township's reviewer finds it in their queue and confirms it with the benefits system's
reference (or rejects it with a reason); only then does the registry change, and the household
page and its history show the decision. Everyone else is refused, by page and by URL."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.dates import add_months
from bangfu.core.todos import todos_for
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Member, StatusDecision, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    member_of,
    township_reviewer,
)

Role = Membership.Role


@pytest.fixture
def client():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def towns(county_a):
    """Township 101 (village 201) and a second township, 102, of the same county."""
    county, town, village = county_a
    other_town = RegionFactory(
        code=county.code + "102", name="镇102", level=Region.Level.TOWNSHIP, parent=county
    )
    other_village = RegionFactory(
        code=other_town.code + "203", name="村203", level=Region.Level.VILLAGE, parent=other_town
    )
    return {"town": town, "village": village, "other_town": other_town, "other": other_village}


@pytest.fixture
def assistant(towns):
    station = OrganisationFactory(kind=Organisation.Kind.STATION, region=towns["town"])
    user = UserFactory(username="assistant")
    member_of(user, station, Role.ASSISTANT, villages=[towns["village"]])
    return user


@pytest.fixture
def reviewer(towns):
    return township_reviewer(towns["town"], "reviewer_101")


@pytest.fixture
def other_reviewer(towns):
    return township_reviewer(towns["other_town"], "reviewer_102")


def marginal_household(village, number):
    """A 低保边缘 household: the head, and a son with a grade-1 physical disability."""
    home = HouseholdFactory(region=village, registry_number=number, tier=Tier.MARGINAL)
    MemberFactory(household=home, name="杨桂仙")
    son = MemberFactory(
        household=home,
        name="杨小军",
        relation=Member.Relation.CHILD,
        disability=Member.Disability.PHYSICAL,
        disability_grade=1,
    )
    return home, son


@pytest.fixture
def home(towns):
    return marginal_household(towns["village"], "530428-00001")


def recommend(client, user, household, member, **extra):
    """The assistant's recommendation, posted from the household's page as a browser does."""
    client.force_login(user)
    data = {
        "kind": "enrol",
        "member": member.pk,
        "to_status": "single_dibao",
        "exit_reason": "",
        "note": "一级肢体残疾，常年卧床",
        **extra,
    }
    return client.post(reverse("registry:decision-recommend", args=[household.pk]), data)


def confirm_data(reference="元民救〔2026〕118号"):
    return {
        "action": "confirm",
        "confirm-reference": reference,
        "confirm-effective_on": timezone.localdate().isoformat(),
        "confirm-note": "",
    }


def test_the_recommendation_changes_nothing_until_the_reviewer_confirms_it(
    client, assistant, reviewer, home
):
    household, son = home
    response = recommend(client, assistant, household, son)
    decision = StatusDecision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:decision-detail", args=[decision.pk])
    assert (decision.state, decision.recommended_by, decision.member) == (
        "proposed",
        assistant,
        son,
    )
    son.refresh_from_db()
    household.refresh_from_db()
    assert (son.personal_status, household.tier) == ("none", Tier.MARGINAL)
    # The assistant's page offers no confirmation; the reviewer's does.
    page = client.get(reverse("registry:decision-detail", args=[decision.pk])).content.decode()
    assert "Confirm the decision" not in page and "一级肢体残疾" in page

    client.force_login(reviewer)
    page = client.get(reverse("registry:decision-detail", args=[decision.pk])).content.decode()
    assert "Confirm the decision" in page and "Reject the recommendation" in page
    assert son.id_number not in page and "杨小军" not in page and "杨*军" in page
    response = client.post(reverse("registry:decision-detail", args=[decision.pk]), confirm_data())
    assert response.status_code == 302

    decision.refresh_from_db()
    son.refresh_from_db()
    household.refresh_from_db()
    assert (decision.state, decision.decided_by, decision.reference) == (
        "confirmed",
        reviewer,
        "元民救〔2026〕118号",
    )
    assert decision.effective_on == timezone.localdate()
    assert son.personal_status == "single_dibao"
    # A 单人纳保 member makes the household show 低保; its own status stays 边缘.
    assert (household.tier, household.household_tier) == (Tier.DIBAO, "marginal")

    page = client.get(reverse("registry:household-detail", args=[household.pk])).content.decode()
    coverage = page[page.index('id="coverage"') : page.index('id="h-needs"')]
    assert "single-person dibao (单人纳保)" in coverage and "元民救〔2026〕118号" in coverage
    history = page[page.index('id="timeline"') :]
    assert "Decision confirmed" in history and "Recommended to the township" in history
    assert "元民救〔2026〕118号" in history


def test_the_queue_holds_the_reviewers_township_only(
    client, assistant, reviewer, other_reviewer, home, towns
):
    household, son = home
    assert recommend(client, assistant, household, son).status_code == 302
    elsewhere, elsewhere_son = marginal_household(towns["other"], "530428-00002")
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=towns["town"].parent)
    county_staff = UserFactory(username="county_staff")
    member_of(county_staff, bureau, Role.BUREAU_STAFF)
    assert recommend(client, county_staff, elsewhere, elsewhere_son).status_code == 302
    ours, theirs = StatusDecision.objects.order_by("pk")

    client.force_login(reviewer)
    queue = client.get(reverse("registry:decision-list"))
    assert [d.pk for d in queue.context["decisions"]] == [ours.pk]
    assert "530428-00001" in queue.content.decode()
    assert "530428-00002" not in queue.content.decode()
    detail = reverse("registry:decision-detail", args=[theirs.pk])
    assert client.get(detail).status_code == 404
    assert client.post(detail, confirm_data()).status_code == 404
    # the control: the other township's reviewer sees and decides its own
    client.force_login(other_reviewer)
    queue = client.get(reverse("registry:decision-list"))
    assert [d.pk for d in queue.context["decisions"]] == [theirs.pk]
    assert client.post(detail, confirm_data()).status_code == 302
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert (theirs.state, ours.state) == ("confirmed", "proposed")
    # Decided, it leaves the queue and stays in the history.
    assert not client.get(reverse("registry:decision-list")).context["decisions"]
    history = client.get(reverse("registry:decision-list"), {"state": "confirmed"})
    assert [d.pk for d in history.context["decisions"]] == [theirs.pk]


def test_a_rejection_needs_a_reason_and_leaves_the_registry_as_it_was(
    client, assistant, reviewer, home
):
    household, son = home
    recommend(client, assistant, household, son)
    decision = StatusDecision.objects.get()
    url = reverse("registry:decision-detail", args=[decision.pk])
    client.force_login(reviewer)

    response = client.post(url, {"action": "reject", "reject-reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == "proposed"

    reason = "缺少二级以上医院诊断证明"
    assert client.post(url, {"action": "reject", "reject-reason": reason}).status_code == 302
    decision.refresh_from_db()
    son.refresh_from_db()
    household.refresh_from_db()
    assert (decision.state, decision.rejection_reason, decision.decided_by) == (
        "rejected",
        reason,
        reviewer,
    )
    assert (son.personal_status, household.tier) == ("none", Tier.MARGINAL)
    # The assistant reads why, on the household's history.
    client.force_login(assistant)
    page = client.get(reverse("registry:household-detail", args=[household.pk])).content.decode()
    assert "Recommendation rejected" in page and reason in page


def test_a_confirmation_needs_the_reference(client, assistant, reviewer, home):
    household, son = home
    recommend(client, assistant, household, son)
    decision = StatusDecision.objects.get()
    client.force_login(reviewer)
    response = client.post(
        reverse("registry:decision-detail", args=[decision.pk]), confirm_data(reference="")
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    decision.refresh_from_db()
    son.refresh_from_db()
    assert (decision.state, son.personal_status) == ("proposed", "none")


def test_an_assistant_cannot_confirm_by_url_while_the_reviewer_can(
    client, assistant, reviewer, home, towns
):
    household, son = home
    recommend(client, assistant, household, son)
    decision = StatusDecision.objects.get()
    url = reverse("registry:decision-detail", args=[decision.pk])
    # the assistant who recommended, an assistant of another village, a county auditor
    stranger = UserFactory(username="assistant_203")
    station = OrganisationFactory(kind=Organisation.Kind.STATION, region=towns["other_town"])
    member_of(stranger, station, Role.ASSISTANT, villages=[towns["other"]])
    auditor = UserFactory(username="auditor")
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=towns["town"].parent)
    member_of(auditor, bureau, Role.AUDITOR)
    for user, refused in [(assistant, 403), (stranger, 404), (auditor, 403)]:
        client.force_login(user)
        assert client.post(url, confirm_data()).status_code == refused
        reject = {"action": "reject", "reject-reason": "不符合条件"}
        assert client.post(url, reject).status_code == refused
    decision.refresh_from_db()
    son.refresh_from_db()
    assert (decision.state, son.personal_status) == ("proposed", "none")
    # the control: the same post from the township's reviewer goes through
    client.force_login(reviewer)
    assert client.post(url, confirm_data()).status_code == 302
    son.refresh_from_db()
    assert son.personal_status == "single_dibao"


def test_a_reviewer_reads_the_household_but_cannot_edit_it_or_recommend(
    client, assistant, reviewer, home
):
    household, son = home
    edit = reverse("registry:household-update", args=[household.pk])
    data = {
        "registry_number": household.registry_number,
        "region": household.region_id,
        "address": "改过的地址",
        "phone": "",
        "status": "active",
    }
    client.force_login(reviewer)
    page = client.get(reverse("registry:household-detail", args=[household.pk]))
    assert page.status_code == 200
    assert "Recommend a change" not in page.content.decode()
    assert "杨小军" not in page.content.decode()  # masked, as the reviewer's lists are
    assert client.get(edit).status_code == 403
    assert client.post(edit, data).status_code == 403
    recommend_url = reverse("registry:decision-recommend", args=[household.pk])
    assert client.get(recommend_url).status_code == 403
    assert recommend(client, reviewer, household, son).status_code == 403
    household.refresh_from_db()
    assert household.address != "改过的地址" and not StatusDecision.objects.exists()
    # the control: the village's assistant edits and recommends
    client.force_login(assistant)
    page = client.get(reverse("registry:household-detail", args=[household.pk])).content.decode()
    assert "Recommend a change" in page
    assert client.get(edit).status_code == 200
    assert client.get(recommend_url).status_code == 200


def test_a_status_that_does_not_fit_is_refused_on_its_field(client, assistant, home):
    household, son = home
    response = recommend(client, assistant, household, son, to_status="dibao")
    assert response.status_code == 200
    form = response.context["form"]
    assert "to_status" in form.errors and not StatusDecision.objects.exists()


def test_the_reviewer_is_told_what_waits_and_finds_the_queue_in_the_menu(
    client, assistant, reviewer, other_reviewer, home, in_english
):
    household, son = home
    recommend(client, assistant, household, son)
    client.force_login(reviewer)
    landing = client.get(reverse("registry:decision-list")).content.decode()
    assert reverse("registry:decision-list") in landing and "Coverage decisions" in landing
    (todo,) = [t for t in todos_for(reviewer) if t.group == "Coverage decisions"]
    assert household.registry_number in todo.title
    assert todo.url == reverse("registry:decision-detail", args=[StatusDecision.objects.get().pk])
    assert not [t for t in todos_for(other_reviewer) if t.group == "Coverage decisions"]
    assert not [t for t in todos_for(assistant) if t.group == "Coverage decisions"]


def test_an_income_exit_asks_for_the_gradual_exit_and_keeps_the_status_until_its_end(
    client, assistant, reviewer, towns
):
    household = HouseholdFactory(
        region=towns["village"], registry_number="530428-00003", tier=Tier.DIBAO
    )
    MemberFactory(household=household)
    client.force_login(assistant)
    response = client.post(
        reverse("registry:decision-recommend", args=[household.pk]),
        {"kind": "exit", "member": "", "to_status": "none", "exit_reason": "income_above"},
    )
    assert response.status_code == 302, response.context["form"].errors
    decision = StatusDecision.objects.get()
    client.force_login(reviewer)
    url = reverse("registry:decision-detail", args=[decision.pk])
    assert "confirm-gradual_exit_months" in client.get(url).content.decode()
    response = client.post(url, {**confirm_data(), "confirm-gradual_exit_months": "6"})
    assert response.status_code == 302
    household.refresh_from_db()
    # 渐退期: still 低保 for six months from the effective date.
    assert household.household_tier == Tier.DIBAO and household.status == Household.Status.ACTIVE
    assert household.gradual_exit_until == add_months(timezone.localdate(), 6)
    page = client.get(reverse("registry:household-detail", args=[household.pk])).content.decode()
    coverage = page[page.index('id="coverage"') : page.index('id="h-needs"')]
    assert "Gradual exit (渐退期)" in coverage
    assert household.gradual_exit_until.isoformat() in coverage


def waiting_decisions(village, count, start=0):
    """``count`` recommendations waiting, each for its own household of ``village``."""
    for number in range(start, start + count):
        household = HouseholdFactory(region=village, registry_number=f"530428-1{number:04d}")
        StatusDecision.objects.create(
            household=household,
            kind=StatusDecision.Kind.ENROL,
            source=StatusDecision.Source.VERIFICATION,
            from_status="none",
            to_status="dibao",
        )


def test_the_queue_and_the_todo_cost_the_same_queries_for_many_decisions(
    client, reviewer, towns, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting_decisions(towns["village"], 2)
    client.force_login(reviewer)
    url = reverse("registry:decision-list")
    client.get(url)  # the session and the caches of the first request
    with CaptureQueriesContext(connection) as few_page:
        assert client.get(url).status_code == 200
    reviewer_again = type(reviewer).objects.get(pk=reviewer.pk)
    with CaptureQueriesContext(connection) as few_todo:
        todos_for(reviewer_again)

    waiting_decisions(towns["village"], 20, start=2)

    with django_assert_max_num_queries(len(few_page)):
        page = client.get(url)
    assert page.content.decode().count(">Decide<") == 22
    reviewer_again = type(reviewer).objects.get(pk=reviewer.pk)
    with django_assert_max_num_queries(len(few_todo)):
        (todo,) = [t for t in todos_for(reviewer_again) if t.group == "Coverage decisions"]
    assert todo.count == 22


def test_the_household_coverage_block_costs_the_same_queries_for_many_decisions(
    client, reviewer, home, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    household, _son = home

    def decisions(count):
        for _ in range(count):
            StatusDecision.objects.create(
                household=household,
                kind=StatusDecision.Kind.ENROL,
                source=StatusDecision.Source.VERIFICATION,
                from_status="none",
                to_status="dibao",
            )

    decisions(1)
    client.force_login(reviewer)
    url = reverse("registry:household-detail", args=[household.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    decisions(15)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url)
    assert page.content.decode().count(">Decide</a>") == 16


def test_the_gradual_exit_is_asked_only_for_a_households_income_exit_up_to_the_services_most(
    client, reviewer, home, towns
):
    from bangfu.registry.coverage import MAX_GRADUAL_EXIT_MONTHS

    household, son = home
    Member.objects.filter(pk=son.pk).update(personal_status="single_dibao")
    personal = StatusDecision.objects.create(
        household=household,
        member=son,
        kind=StatusDecision.Kind.EXIT,
        source=StatusDecision.Source.REVIEW,
        from_status="single_dibao",
        to_status="none",
        exit_reason="income_above",
    )
    client.force_login(reviewer)
    page = client.get(reverse("registry:decision-detail", args=[personal.pk])).content.decode()
    assert "confirm-gradual_exit_months" not in page

    dibao = HouseholdFactory(region=towns["village"], registry_number="530428-00009")
    MemberFactory(household=dibao)
    Household.objects.filter(pk=dibao.pk).update(household_tier="dibao", tier="dibao")
    exit_ = StatusDecision.objects.create(
        household=dibao,
        kind=StatusDecision.Kind.EXIT,
        source=StatusDecision.Source.REVIEW,
        from_status="dibao",
        to_status="none",
        exit_reason="income_above",
    )
    url = reverse("registry:decision-detail", args=[exit_.pk])
    assert "confirm-gradual_exit_months" in client.get(url).content.decode()
    too_long = client.post(
        url, {**confirm_data(), "confirm-gradual_exit_months": str(MAX_GRADUAL_EXIT_MONTHS + 1)}
    )
    assert "gradual_exit_months" in too_long.context["confirm_form"].errors
    months = 36  # above the form's old 24, within the service's most
    assert months <= MAX_GRADUAL_EXIT_MONTHS
    response = client.post(url, {**confirm_data(), "confirm-gradual_exit_months": str(months)})
    assert response.status_code == 302
    dibao.refresh_from_db()
    assert dibao.gradual_exit_until == add_months(timezone.localdate(), months)
