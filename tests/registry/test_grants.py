"""临时救助 as events: an assistant proposes a grant from the household's page; a township
reviewer grants a small one at once (先行救助), which then waits on the county's list until the
county's bureau manager acknowledges it; a larger one only the county's manager decides. The
household page shows the grants of the last year and its history each step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.dates import add_months
from bangfu.core.todos import todos_for
from bangfu.regions.models import PolicyValue, Region
from bangfu.registry import grants
from bangfu.registry.grants import TemporaryGrant, grant_decide, grant_propose
from bangfu.registry.timeline import household_timeline
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    member_of,
    township_reviewer,
)

pytestmark = pytest.mark.django_db

Role = Membership.Role


@pytest.fixture
def client():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def towns(county_a):
    """Township 101 (village 201) of county 530428, and a second township, 102."""
    county, town, village = county_a
    other_town = RegionFactory(
        code=county.code + "102", name="镇102", level=Region.Level.TOWNSHIP, parent=county
    )
    return {"county": county, "town": town, "village": village, "other_town": other_town}


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


@pytest.fixture
def county_manager(towns):
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=towns["county"])
    user = UserFactory(username="manager_530428")
    member_of(user, bureau, Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def home(towns):
    household = HouseholdFactory(region=towns["village"], registry_number="530428-00007")
    MemberFactory(household=household, name="杨桂仙")
    return household


def propose(client, user, household, amount="800.50", **extra):
    """The proposal as the form posts it from the household's page."""
    client.force_login(user)
    data = {
        "kind": "emergency",
        "member": "",
        "amount": amount,
        "reason": "房屋失火，生活用品全部烧毁",
        **extra,
    }
    return client.post(reverse("registry:grant-propose", args=[household.pk]), data)


def decide(client, user, grant, reference="元临救〔2026〕12号"):
    client.force_login(user)
    data = {
        "action": "decide",
        "decide-granted_on": timezone.localdate().isoformat(),
        "decide-reference": reference,
    }
    return client.post(reverse("registry:grant-detail", args=[grant.pk]), data)


def proposed(household, by, amount="800.50") -> TemporaryGrant:
    return grant_propose(
        by=by, household=household, kind="emergency", amount=amount, reason="突发重病住院"
    )


def test_first_aid_under_the_limit_is_granted_at_once_and_waits_for_the_county(
    client, towns, home, assistant, reviewer, county_manager
):
    # The national default: a township grants up to 1,000 yuan at once.
    assert grants.first_aid_limit(towns["village"]) == Decimal("1000")
    response = propose(client, assistant, home)
    grant = TemporaryGrant.objects.get(household=home)
    assert response.status_code == 302
    assert (grant.state, grant.amount, grant.proposed_by) == (
        "proposed",
        Decimal("800.50"),
        assistant,
    )

    # The reviewer finds it in the list, may decide it, and grants it.
    client.force_login(reviewer)
    waiting = client.get(reverse("registry:grant-list")).context["waiting"]
    assert [(g.pk, g.may_decide, g.within_first_aid) for g in waiting] == [(grant.pk, True, True)]
    assert decide(client, reviewer, grant).status_code == 302
    grant.refresh_from_db()
    assert (grant.state, grant.first_aid, grant.decided_by) == ("decided", True, reviewer)
    assert grant.granted_on == timezone.localdate()
    assert grant.reported_at is None

    # It is on the county's list, for the manager to acknowledge; the reviewer cannot.
    client.force_login(county_manager)
    page = client.get(reverse("registry:grant-list"))
    assert [(g.pk, g.may_acknowledge) for g in page.context["to_report"]] == [(grant.pk, True)]
    assert "Acknowledge first aid of 800.50 yuan" in " ".join(
        todo.title for todo in todos_for(county_manager)
    )
    report = {"action": "report"}
    client.force_login(reviewer)
    assert client.post(reverse("registry:grant-detail", args=[grant.pk]), report).status_code == 403
    client.force_login(county_manager)
    assert client.post(reverse("registry:grant-detail", args=[grant.pk]), report).status_code == 302
    grant.refresh_from_db()
    assert grant.reported_at is not None and grant.reported_to == towns["county"]
    assert list(client.get(reverse("registry:grant-list")).context["to_report"]) == []


def test_over_the_limit_the_township_is_refused_and_the_county_manager_decides(
    client, home, assistant, reviewer, county_manager
):
    grant = proposed(home, assistant, amount="1500")
    client.force_login(reviewer)
    page = client.get(reverse("registry:grant-detail", args=[grant.pk]))
    assert page.context["grant"].may_decide is False
    assert "decide-granted_on" not in page.content.decode()
    assert decide(client, reviewer, grant).status_code == 403
    with pytest.raises(PermissionDenied):
        grant_decide(by=reviewer, grant=grant, granted_on=timezone.localdate())
    grant.refresh_from_db()
    assert grant.state == "proposed"

    # Positive control: the county's bureau manager decides the same grant; it is no first aid.
    assert decide(client, county_manager, grant).status_code == 302
    grant.refresh_from_db()
    assert (grant.state, grant.first_aid, grant.decided_by) == ("decided", False, county_manager)
    assert not TemporaryGrant.objects.to_report().exists()


def test_the_limit_is_the_regions_policy(home, towns, assistant, reviewer):
    # The county raises its limit to 2,000 yuan: the township now grants 1,500 at once.
    PolicyValue.objects.create(
        key="temporary_grant_first_aid_limit",
        region=towns["county"],
        year=timezone.localdate().year,
        value="2000",
        source="县民政局通知",
    )
    grant = proposed(home, assistant, amount="1500")
    assert grants.may_decide(reviewer, grant)
    grant_decide(by=reviewer, grant=grant, granted_on=timezone.localdate())
    grant.refresh_from_db()
    assert grant.first_aid and grant.state == "decided"


def test_an_assistant_or_the_county_staff_cannot_decide_but_the_reviewer_can(
    client, home, assistant, bureau_staff, reviewer
):
    grant = proposed(home, assistant)
    assert decide(client, assistant, grant).status_code == 403
    assert decide(client, bureau_staff, grant).status_code == 403
    grant.refresh_from_db()
    assert grant.state == "proposed" and grant.decided_by is None
    # Positive control: the same POST by the township's reviewer.
    assert decide(client, reviewer, grant).status_code == 302
    grant.refresh_from_db()
    assert grant.state == "decided"


def test_a_reviewer_of_another_township_gets_404(client, home, assistant, reviewer, other_reviewer):
    grant = proposed(home, assistant)
    url = reverse("registry:grant-detail", args=[grant.pk])
    client.force_login(other_reviewer)
    assert client.get(url).status_code == 404
    assert decide(client, other_reviewer, grant).status_code == 404
    assert list(client.get(reverse("registry:grant-list")).context["waiting"]) == []
    grant.refresh_from_db()
    assert grant.state == "proposed"
    # Positive control: the household's own township.
    client.force_login(reviewer)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be more than 0 yuan."),
        ("-200", "The amount must be more than 0 yuan."),
        ("八百", "The amount must be a number of yuan, e.g. 800 or 1200.50."),
        ("12.345", "The amount takes at most two decimals (fen)."),
        ("250000", "The amount must be at most 100,000 yuan: check the figure."),
    ],
)
def test_a_bad_amount_is_refused_on_the_amount_field(client, home, assistant, amount, message):
    response = propose(client, assistant, home, amount=amount)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert not TemporaryGrant.objects.exists()


def test_the_service_names_the_field_of_each_refusal(home, assistant, in_english):
    with pytest.raises(ValidationError) as refused:
        grant_propose(by=assistant, household=home, kind="monthly", amount="abc", reason=" ")
    assert set(refused.value.error_dict) == {"amount", "kind", "reason"}
    assert not TemporaryGrant.objects.exists()


def test_a_grant_of_the_last_year_shows_on_the_household_page(
    client, home, assistant, county_manager
):
    today = timezone.localdate()
    recent = proposed(home, assistant, amount="1234.56")
    grant_decide(by=county_manager, grant=recent, granted_on=add_months(today, -3))
    old = proposed(home, assistant, amount="300")
    grant_decide(by=county_manager, grant=old, granted_on=add_months(today, -13))
    waiting = proposed(home, assistant, amount="450")

    client.force_login(assistant)
    page = client.get(reverse("registry:household-detail", args=[home.pk]))
    block = page.context["grants_block"]
    assert [grant.pk for grant in block["recent"]] == [recent.pk]
    assert [grant.pk for grant in block["waiting"]] == [waiting.pk]
    assert block["may_propose"] is True
    content = page.content.decode()
    assert "Temporary assistance (临时救助)" in content
    assert "1,234.56" in content
    assert reverse("registry:grant-propose", args=[home.pk]) in content


def test_the_history_tells_the_grant(home, assistant, reviewer, in_english):
    grant = proposed(home, assistant)
    grant_decide(by=reviewer, grant=grant, reference="元临救12号", granted_on=timezone.localdate())
    titles = [event.title for event in household_timeline(home, assistant)]
    assert "Granted: emergency (急难型), 800.50 yuan" in titles
    assert "Grant proposed: emergency (急难型), 800.50 yuan" in titles
    granted = next(e for e in household_timeline(home, assistant) if e.title.startswith("Granted"))
    assert granted.state == "first aid (先行救助)"
    assert "元临救12号" in granted.detail


def test_amounts_are_exact_decimals(home, assistant):
    amounts = ["0.10", "0.20", "1,000.00"]
    for amount in amounts:
        proposed(home, assistant, amount=amount)
    stored = list(TemporaryGrant.objects.order_by("pk").values_list("amount", flat=True))
    assert stored == [Decimal("0.10"), Decimal("0.20"), Decimal("1000.00")]
    assert sum(stored[:2], Decimal("0")) == Decimal("0.30")
    # A float is no amount of money: 0.1 is not exactly one jiao.
    with pytest.raises(ValidationError) as refused:
        proposed(home, assistant, amount=0.1)
    assert "amount" in refused.value.error_dict


def test_the_database_keeps_the_grants_invariants(home, assistant):
    with pytest.raises(IntegrityError), transaction.atomic():
        TemporaryGrant.objects.create(household=home, kind="emergency", amount=0, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        TemporaryGrant.objects.create(
            household=home, kind="emergency", amount=10, reason="x", state="decided"
        )
    # Positive control: a complete decided grant is stored.
    TemporaryGrant.objects.create(
        household=home,
        kind="emergency",
        amount=10,
        reason="x",
        state="decided",
        decided_by=assistant,
        decided_at=timezone.now(),
        granted_on=dt.date(2026, 1, 5),
    )


def test_the_reviewer_is_told_what_waits_and_the_assistant_is_not(home, assistant, reviewer):
    proposed(home, assistant)
    with translation.override("en"):
        reviewer_todos = [todo.title for todo in todos_for(reviewer)]
        assistant_todos = [todo.title for todo in todos_for(assistant)]
    assert "Decide a grant of 800.50 yuan (emergency (急难型)), household 530428-00007" in (
        reviewer_todos
    )
    assert not any("grant" in title for title in assistant_todos)


def record(client, user, household, amount="600", **extra):
    """先行救助 in one step, as the form posts it from the household's page."""
    client.force_login(user)
    data = {
        "kind": "emergency",
        "member": "",
        "amount": amount,
        "reason": "房屋失火，生活用品全部烧毁",
        "granted_on": timezone.localdate().isoformat(),
        "reference": "元临救〔2026〕30号",
        **extra,
    }
    return client.post(reverse("registry:grant-record", args=[household.pk]), data)


def test_the_reviewer_grants_first_aid_at_once_from_the_household_page(
    client, home, assistant, reviewer, county_manager
):
    client.force_login(reviewer)
    page = client.get(reverse("registry:household-detail", args=[home.pk])).content.decode()
    assert reverse("registry:grant-record", args=[home.pk]) in page

    response = record(client, reviewer, home)

    assert response.status_code == 302
    grant = TemporaryGrant.objects.get(household=home)
    assert (grant.state, grant.amount, grant.first_aid) == ("decided", Decimal("600"), True)
    assert (grant.proposed_by, grant.decided_by) == (reviewer, reviewer)
    assert grant.granted_on == timezone.localdate() and grant.reference == "元临救〔2026〕30号"
    # It waits on the county's list like any first aid.
    assert list(TemporaryGrant.objects.for_user(county_manager).to_report()) == [grant]


def test_above_the_limit_the_reviewer_cannot_grant_at_once_and_the_assistant_never(
    client, home, assistant, reviewer, county_manager, in_english
):
    refused = record(client, reviewer, home, amount="1500")
    assert refused.status_code == 200
    assert "first-aid limit" in refused.context["form"].errors["amount"][0]
    assert not TemporaryGrant.objects.exists()

    client.force_login(assistant)
    page = client.get(reverse("registry:household-detail", args=[home.pk])).content.decode()
    assert reverse("registry:grant-record", args=[home.pk]) not in page
    assert record(client, assistant, home).status_code == 403
    with pytest.raises(PermissionDenied):
        grants.grant_record(
            by=assistant,
            household=home,
            kind="emergency",
            amount="600",
            reason="突发重病住院",
            granted_on=timezone.localdate(),
        )

    # The positive control: the county's manager grants any amount, and it is no first aid.
    assert record(client, county_manager, home, amount="1500").status_code == 302
    grant = TemporaryGrant.objects.get()
    assert (grant.state, grant.first_aid, grant.decided_by) == ("decided", False, county_manager)


def test_a_grant_given_at_once_names_the_field_of_each_refusal(home, reviewer, in_english):
    with pytest.raises(ValidationError) as refused:
        grants.grant_record(
            by=reviewer, household=home, kind="", amount="-5", reason="", granted_on=None
        )
    assert set(refused.value.message_dict) == {"kind", "amount", "reason", "granted_on"}
