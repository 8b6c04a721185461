"""Coverage decisions: an assistant recommends, the township confirms, only then the registry
changes (issue 15). 特困 and 单人纳保 are a member's status; the household shows the strongest."""

import datetime as dt
from decimal import Decimal
from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Template
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.scoping import scope_for
from bangfu.regions.models import PolicyValue, Region
from bangfu.regions.policy import ParameterError, Policy, coerce
from bangfu.registry import coverage, decision_rights, hooks, services
from bangfu.registry.models import Coverage, ExitReason, Household, Member, StatusDecision, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    member_of,
    township_reviewer,
)

Kind, State, Source = StatusDecision.Kind, StatusDecision.State, StatusDecision.Source
TODAY = timezone.localdate()
EFFECTIVE = dt.date(2025, 3, 1)


@pytest.fixture
def place(county_a):
    county, town, village = county_a
    return {"county": county, "town": town, "village": village}


@pytest.fixture
def assistant(place):
    committee = OrganisationFactory(
        kind=Organisation.Kind.VILLAGE_COMMITTEE, name="村委会", region=place["village"]
    )
    user = UserFactory(username="assistant_a")
    member_of(user, committee, Membership.Role.ASSISTANT, villages=[place["village"]])
    return user


@pytest.fixture
def reviewer(place):
    return township_reviewer(place["town"], "reviewer_a")


@pytest.fixture
def county_manager(place):
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="县民政局", region=place["county"]
    )
    user = UserFactory(username="manager_a")
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def other_town_reviewer(place):
    town = RegionFactory(
        code=place["county"].code + "102",
        name="镇102",
        level=Region.Level.TOWNSHIP,
        parent=place["county"],
    )
    return township_reviewer(town, "reviewer_other")


@pytest.fixture
def home(place):
    """A household with no status yet, and two members."""
    household = HouseholdFactory(
        region=place["village"], registry_number="530428-0101", tier=Tier.NONE, enrolled_on=None
    )
    MemberFactory(household=household, name="李大山", monthly_income=Decimal("200"))
    MemberFactory(household=household, name="李小山", relation=Member.Relation.CHILD)
    return household


def recommend(by, household, **overrides):
    fields = {
        "kind": Kind.ENROL,
        "to_status": Coverage.DIBAO,
        "source": Source.VERIFICATION,
        "evidence": {"rule": "severe_disability_uncovered", "flag": 1},
        "figures": {"income_per_person": Decimal("200.00")},
    }
    fields.update(overrides)
    return coverage.decision_recommend(by=by, household=household, **fields)


def confirm(by, decision, **overrides):
    fields = {"reference": "元民救〔2025〕12号", "effective_on": EFFECTIVE}
    fields.update(overrides)
    return coverage.decision_confirm(by=by, decision=decision, **fields)


def enrolled(household, by, status=Coverage.DIBAO):
    """A household already covered, by a decision the township confirmed."""
    return coverage.decision_record(
        by=by,
        household=household,
        to_status=status,
        reference="元民救〔2024〕1号",
        effective_on=dt.date(2024, 1, 1),
        source=Source.STAFF,
    )


# --- the strongest status ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("household_tier", "personal", "shown"),
    [
        (Tier.NONE, [], Tier.NONE),
        (Tier.MARGINAL, [Coverage.NONE, Coverage.NONE], Tier.MARGINAL),
        (Tier.MARGINAL, [Coverage.SINGLE_DIBAO, Coverage.NONE], Tier.DIBAO),
        (Tier.EXPENDITURE, [Coverage.NONE], Tier.EXPENDITURE),
        (Tier.DIBAO, [Coverage.TEKUN, Coverage.NONE], Tier.TEKUN),
        (Tier.NONE, [Coverage.SINGLE_DIBAO, Coverage.TEKUN], Tier.TEKUN),
        (Tier.DIBAO, [Coverage.NONE], Tier.DIBAO),
    ],
)
def test_the_household_shows_the_strongest_status_of_itself_and_its_members(
    household_tier, personal, shown
):
    assert coverage.strongest(household_tier, personal) == shown


def test_refresh_tier_recomputes_the_stored_tier_from_the_statuses(home):
    member = home.members.first()
    Member.objects.filter(pk=member.pk).update(personal_status=Coverage.SINGLE_DIBAO)

    assert coverage.refresh_tier(home) == Tier.DIBAO
    home.refresh_from_db()
    assert home.tier == Tier.DIBAO
    assert home.household_tier == Tier.NONE


# --- recommend, confirm, reject --------------------------------------------------------------


def test_a_recommendation_changes_nothing_in_the_registry(home, assistant):
    decision = recommend(assistant, home, note="无劳动能力")

    home.refresh_from_db()
    assert (home.tier, home.household_tier, home.enrolled_on) == (Tier.NONE, Tier.NONE, None)
    assert decision.state == State.PROPOSED
    assert (decision.from_status, decision.to_status) == (Coverage.NONE, Coverage.DIBAO)
    assert decision.recommended_by == assistant
    assert decision.figures == {"income_per_person": "200.00"}


def test_the_township_reviewer_confirms_and_the_record_is_kept_and_audited(
    home, assistant, reviewer
):
    decision = recommend(assistant, home)

    confirm(reviewer, decision)

    home.refresh_from_db()
    decision.refresh_from_db()
    assert (home.household_tier, home.tier) == (Tier.DIBAO, Tier.DIBAO)
    assert home.enrolled_on == EFFECTIVE
    assert decision.state == State.CONFIRMED
    assert decision.decided_by == reviewer
    assert decision.decided_at is not None
    assert decision.reference == "元民救〔2025〕12号"
    assert decision.effective_on == EFFECTIVE
    (change,) = [
        entry
        for entry in LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Household),
            object_pk=str(home.pk),
            action=LogEntry.Action.UPDATE,
        )
        if "household_tier" in entry.changes_dict
    ]
    assert change.actor == reviewer
    assert change.changes_dict["household_tier"] == ["none", "dibao"]
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(StatusDecision), object_pk=str(decision.pk)
    ).exists()


def test_a_rejection_keeps_the_registry_and_the_reason(home, assistant, reviewer, in_english):
    decision = recommend(assistant, home)

    with pytest.raises(ValidationError) as refused:
        coverage.decision_reject(by=reviewer, decision=decision, reason="  ")
    assert "reason" in refused.value.message_dict
    coverage.decision_reject(by=reviewer, decision=decision, reason="收入未核实")

    home.refresh_from_db()
    decision.refresh_from_db()
    assert (home.household_tier, home.tier) == (Tier.NONE, Tier.NONE)
    assert decision.state == State.REJECTED
    assert decision.rejection_reason == "收入未核实"
    assert decision.decided_by == reviewer
    with pytest.raises(ValidationError):
        confirm(reviewer, decision)


def test_a_confirmation_needs_the_reference_of_the_benefits_system(home, assistant, reviewer):
    decision = recommend(assistant, home)

    with pytest.raises(ValidationError) as refused:
        confirm(reviewer, decision, reference="")

    assert "reference" in refused.value.message_dict
    home.refresh_from_db()
    assert home.household_tier == Tier.NONE


def test_an_assistant_cannot_confirm_a_status(home, assistant, reviewer):
    decision = recommend(assistant, home)

    assert not decision_rights.may_confirm(assistant, decision)
    with pytest.raises(PermissionDenied):
        confirm(assistant, decision)
    home.refresh_from_db()
    assert home.tier == Tier.NONE
    # The township's reviewer can, on the same recommendation.
    assert decision_rights.may_confirm(reviewer, decision)


def test_no_form_or_service_changes_a_status(client, home, assistant, place):
    client.force_login(assistant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(
        reverse("registry:household-update", args=[home.pk]),
        {
            "registry_number": home.registry_number,
            "region": place["village"].pk,
            "address": "和平路 9 号",
            "residence": "urban",
            "status": Household.Status.ACTIVE,
            "tier": Tier.TEKUN,
            "household_tier": Tier.DIBAO,
        },
    )

    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.address, home.residence) == ("和平路 9 号", "urban")  # the edit went through
    assert (home.tier, home.household_tier) == (Tier.NONE, Tier.NONE)
    with pytest.raises(ValidationError) as refused:
        services.household_update(household=home, by=assistant, tier=Tier.TEKUN)
    assert "tier" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.member_update(
            member=home.members.first(), by=assistant, personal_status=Coverage.TEKUN
        )


def test_a_status_the_county_keeps_needs_the_county_manager(
    home, assistant, reviewer, county_manager, place
):
    PolicyValue.objects.create(
        key="status_confirmed_at_county", region=place["county"], year=2000, value=["tekun"]
    )
    member = home.members.first()
    decision = recommend(assistant, home, member=member, to_status=Coverage.TEKUN)

    assert not decision_rights.may_confirm(reviewer, decision)
    with pytest.raises(PermissionDenied):
        confirm(reviewer, decision)
    confirm(county_manager, decision)

    member.refresh_from_db()
    assert member.personal_status == Coverage.TEKUN


def test_the_reviewer_of_another_township_cannot_confirm(
    home, assistant, reviewer, other_town_reviewer
):
    decision = recommend(assistant, home)

    assert not decision_rights.may_confirm(other_town_reviewer, decision)
    with pytest.raises(PermissionDenied):
        confirm(other_town_reviewer, decision)
    confirm(reviewer, decision)
    home.refresh_from_db()
    assert home.tier == Tier.DIBAO


def test_a_personal_status_is_only_a_members_and_a_household_status_only_the_households(
    home, assistant, in_english
):
    with pytest.raises(ValidationError) as refused:
        recommend(assistant, home, member=home.members.first(), to_status=Coverage.DIBAO)
    assert "to_status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        recommend(assistant, home, to_status=Coverage.TEKUN)
    assert "to_status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        recommend(assistant, home, kind=Kind.EXIT, to_status=Coverage.NONE)
    assert "to_status" in refused.value.message_dict  # already none
    assert not StatusDecision.objects.exists()


# --- exits --------------------------------------------------------------------------------------


def test_an_income_exit_keeps_the_status_for_the_gradual_exit_months(
    home, assistant, reviewer, county_manager
):
    enrolled(home, county_manager)
    decision = recommend(
        assistant,
        home,
        kind=Kind.EXIT,
        to_status=Coverage.NONE,
        exit_reason=ExitReason.INCOME_ABOVE,
    )

    confirm(reviewer, decision, gradual_exit_months=6)

    home.refresh_from_db()
    assert (home.household_tier, home.tier) == (Tier.DIBAO, Tier.DIBAO)
    assert home.gradual_exit_until == dt.date(2025, 9, 1)
    assert home.status == Household.Status.ACTIVE
    decision.refresh_from_db()
    assert decision.gradual_exit_months == 6


def test_the_gradual_exit_months_come_from_the_policy_by_default(
    home, assistant, reviewer, county_manager, place
):
    PolicyValue.objects.create(
        key="dibao_gradual_exit_months", region=place["county"], year=2000, value=3
    )
    enrolled(home, county_manager)
    decision = recommend(
        assistant, home, kind=Kind.EXIT, to_status=Coverage.NONE, exit_reason="income_above"
    )

    confirm(reviewer, decision)

    home.refresh_from_db()
    assert home.gradual_exit_until == dt.date(2025, 6, 1)
    assert home.household_tier == Tier.DIBAO


def test_an_exit_leaving_no_status_exits_the_household_with_its_reason(
    home, assistant, reviewer, county_manager
):
    enrolled(home, county_manager)
    decision = recommend(
        assistant, home, kind=Kind.EXIT, to_status=Coverage.NONE, exit_reason="moved_away"
    )

    confirm(reviewer, decision)

    home.refresh_from_db()
    assert (home.household_tier, home.tier) == (Tier.NONE, Tier.NONE)
    assert home.status == Household.Status.EXITED
    assert (home.exit_reason, home.exited_on) == ("moved_away", EFFECTIVE)
    assert home.gradual_exit_until is None


def test_an_exit_needs_its_reason(home, assistant, county_manager, in_english):
    enrolled(home, county_manager)

    with pytest.raises(ValidationError) as refused:
        recommend(assistant, home, kind=Kind.EXIT, to_status=Coverage.NONE)

    assert "exit_reason" in refused.value.message_dict


def test_the_apps_above_hear_of_each_applied_decision(home, assistant, reviewer, monkeypatch):
    heard = []
    monkeypatch.setattr(hooks, "on_decision_applied", [heard.append])
    decision = recommend(assistant, home)
    rejected_one = recommend(assistant, home, member=home.members.first(), to_status="tekun")
    coverage.decision_reject(by=reviewer, decision=rejected_one, reason="不符合")
    assert heard == []

    confirm(reviewer, decision)

    assert [applied.pk for applied in heard] == [decision.pk]
    assert heard[0].state == State.CONFIRMED


# --- per person ---------------------------------------------------------------------------------


def test_one_destitute_member_makes_the_household_show_tekun_and_no_one_else_is(
    place, county_manager
):
    household = HouseholdFactory(region=place["village"], tier=Tier.DIBAO)
    members = [MemberFactory(household=household) for _ in range(4)]

    coverage.decision_record(
        by=county_manager,
        household=household,
        member=members[0],
        to_status=Coverage.TEKUN,
        reference="元民救〔2025〕30号",
        effective_on=EFFECTIVE,
        source=Source.STAFF,
    )

    household.refresh_from_db()
    assert household.tier == Tier.TEKUN
    assert household.household_tier == Tier.DIBAO
    statuses = [m.personal_status for m in Member.objects.filter(household=household)]
    assert sorted(statuses) == ["none", "none", "none", "tekun"]
    # Without the household's own 低保 the tier is still the member's 特困.
    coverage.decision_record(
        by=county_manager,
        household=household,
        to_status=Coverage.NONE,
        exit_reason="income_above",
        gradual_exit_months=0,
        reference="元民救〔2025〕31号",
        effective_on=EFFECTIVE,
        source=Source.STAFF,
    )
    household.refresh_from_db()
    assert (household.household_tier, household.tier) == (Tier.NONE, Tier.TEKUN)
    assert household.status == Household.Status.ACTIVE


def test_a_ledger_import_records_decisions_only_inside_the_importers_area(
    home, bureau_staff, outsider_staff
):
    with pytest.raises(PermissionDenied):
        coverage.decision_record(
            by=outsider_staff,
            household=home,
            to_status=Coverage.MARGINAL,
            reference="台账.xlsx",
            effective_on=EFFECTIVE,
            source=Source.LEDGER_IMPORT,
        )

    decision = coverage.decision_record(
        by=bureau_staff,
        household=home,
        to_status=Coverage.MARGINAL,
        reference="台账.xlsx",
        effective_on=EFFECTIVE,
        source=Source.LEDGER_IMPORT,
    )

    home.refresh_from_db()
    assert home.tier == Tier.MARGINAL
    assert (decision.kind, decision.state) == (Kind.ENROL, State.CONFIRMED)


def test_a_member_holding_a_status_is_not_removed_until_a_decision_ends_it(
    client, home, county_manager, bureau_staff, in_english
):
    member = home.members.get(relation=Member.Relation.HEAD)
    coverage.decision_record(
        by=county_manager,
        household=home,
        member=member,
        to_status=Coverage.TEKUN,
        reference="元民救〔2025〕30号",
        effective_on=EFFECTIVE,
        source=Source.STAFF,
    )
    client.force_login(bureau_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    refused = client.post(reverse("registry:member-delete", args=[member.pk]), follow=True)

    assert Member.objects.filter(pk=member.pk).exists()
    assert "ends only by a decision" in refused.content.decode()
    home.refresh_from_db()
    assert home.tier == Tier.TEKUN

    # The positive control: once a decision ends the status, the member may go.
    coverage.decision_record(
        by=county_manager,
        household=home,
        member=member,
        to_status=Coverage.NONE,
        exit_reason=ExitReason.DECEASED,
        reference="元民救〔2025〕31号",
        effective_on=EFFECTIVE,
        source=Source.STAFF,
    )
    removed = client.post(reverse("registry:member-delete", args=[member.pk]), follow=True)

    assert not Member.objects.filter(pk=member.pk).exists()
    assert "Member removed from the household." in removed.content.decode()
    home.refresh_from_db()
    assert home.tier == Tier.NONE


def test_a_member_with_a_recommendation_waiting_is_not_removed(
    home, assistant, reviewer, bureau_staff, in_english
):
    member, other = home.members.order_by("pk")
    waiting = recommend(assistant, home, member=member, to_status=Coverage.TEKUN)

    with pytest.raises(ValidationError) as refused:
        services.member_delete(member=member, by=bureau_staff)
    services.member_delete(member=other, by=bureau_staff)  # no recommendation: removed

    assert "waits for the township" in refused.value.messages[0]
    assert Member.objects.filter(pk=member.pk).exists()
    assert not Member.objects.filter(pk=other.pk).exists()
    coverage.decision_reject(by=reviewer, decision=waiting, reason="不符合条件")
    services.member_delete(member=member, by=bureau_staff)
    assert not Member.objects.filter(pk=member.pk).exists()


def test_a_personal_status_without_its_member_never_lands_on_the_household(
    home, assistant, reviewer, in_english
):
    member = home.members.first()
    waiting = recommend(assistant, home, member=member, to_status=Coverage.TEKUN)
    # Removed past the service (the admin, a bulk delete): the decision loses its member.
    Member.objects.filter(pk=member.pk).delete()
    waiting.refresh_from_db()
    assert waiting.member_id is None

    with pytest.raises(ValidationError) as refused:
        confirm(reviewer, waiting)

    assert "removed from the household" in refused.value.message_dict["member"][0]
    home.refresh_from_db()
    assert (home.household_tier, home.tier) == (Tier.NONE, Tier.NONE)
    waiting.refresh_from_db()
    assert waiting.state == State.PROPOSED
    # The positive control: once the orphan is rejected, a household's own status is confirmed.
    coverage.decision_reject(by=reviewer, decision=waiting, reason="本人已迁出")
    confirm(reviewer, recommend(assistant, home, to_status=Coverage.DIBAO))
    home.refresh_from_db()
    assert home.household_tier == Tier.DIBAO


def test_the_household_form_and_services_do_not_set_the_household_state(
    client, home, assistant, place
):
    client.force_login(assistant)
    form = client.get(reverse("registry:household-update", args=[home.pk])).content.decode()
    assert 'name="status"' not in form
    assert 'name="address"' in form

    response = client.post(
        reverse("registry:household-update", args=[home.pk]),
        {
            "registry_number": home.registry_number,
            "region": place["village"].pk,
            "address": "和平路 10 号",
            "residence": "rural",
            "status": Household.Status.EXITED,
        },
    )

    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.address, home.status) == ("和平路 10 号", Household.Status.ACTIVE)
    with pytest.raises(ValidationError) as refused:
        services.household_update(household=home, by=assistant, status=Household.Status.EXITED)
    assert "status" in refused.value.message_dict
    services.household_update(household=home, by=assistant, address="和平路 11 号")


# --- the township reviewer's reach --------------------------------------------------------------


def test_the_reviewer_reads_the_townships_registry_masked_and_writes_nothing(
    client, home, reviewer, other_town_reviewer
):
    scope = scope_for(reviewer)
    assert Household.objects.for_user(reviewer).filter(pk=home.pk).exists()
    assert not Household.objects.for_user(other_town_reviewer).filter(pk=home.pk).exists()
    assert not scope.can_write
    assert not scope.can_reveal_identity

    client.force_login(reviewer)
    page = client.get(reverse("registry:household-detail", args=[home.pk]))
    edit = client.post(reverse("registry:household-update", args=[home.pk]), {"address": "x"})

    assert page.status_code == 200
    assert "李大山" not in page.content.decode()
    assert edit.status_code == 403


def test_the_reviewer_role_exists_only_in_a_townships_bureau(place):
    county_bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=place["county"])
    membership = Membership(
        user=UserFactory(), organisation=county_bureau, role=Membership.Role.TOWNSHIP_REVIEWER
    )

    with pytest.raises(ValidationError) as refused:
        membership.clean()

    assert "role" in refused.value.message_dict


def test_a_reviewer_membership_at_the_county_reaches_nothing(home, assistant, place, reviewer):
    """Made past ``clean`` (a shell, a bulk write), it must not open the county."""
    county_bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=place["county"])
    wrong = UserFactory(username="county_reviewer")
    member_of(wrong, county_bureau, Membership.Role.TOWNSHIP_REVIEWER)
    decision = recommend(assistant, home)

    assert not decision_rights.may_confirm(wrong, decision)
    assert not Household.objects.for_user(wrong).filter(pk=home.pk).exists()
    assert not scope_for(wrong).region_paths
    with pytest.raises(PermissionDenied):
        confirm(wrong, decision)
    # The positive control: the township's reviewer reaches it.
    assert decision_rights.may_confirm(reviewer, decision)
    assert Household.objects.for_user(reviewer).filter(pk=home.pk).exists()


# --- the household page's panels and the data migration ------------------------------------


def test_the_household_page_shows_the_panels_of_the_apps_above(
    staff_client, household_a, monkeypatch
):
    panel = Template('<p id="calc">{{ panel.note }} · {{ household.registry_number }}</p>')
    monkeypatch.setattr(
        hooks,
        "household_panels",
        [lambda household, user: (panel, {"note": "calculator"}), lambda household, user: None],
    )

    page = staff_client.get(reverse("registry:household-detail", args=[household_a.pk]))

    assert '<p id="calc">calculator · 530428-0001</p>' in page.content.decode()


def test_the_migration_splits_the_old_tiers_per_person(place):
    migration = import_module("bangfu.registry.migrations.0008_coverage_and_decisions")
    tekun = HouseholdFactory(region=place["village"], tier=Tier.TEKUN)
    # The spouse registered first: the head, not the first member, is the one marked.
    spouse = MemberFactory(household=tekun, relation=Member.Relation.SPOUSE)
    head = MemberFactory(household=tekun, relation=Member.Relation.HEAD)
    alone = HouseholdFactory(region=place["village"], tier=Tier.TEKUN)
    only = MemberFactory(household=alone, relation=Member.Relation.OTHER)
    elders = HouseholdFactory(region=place["village"], tier=Tier.TEKUN)
    elders_head = MemberFactory(household=elders, relation=Member.Relation.HEAD)
    five_elders = MemberFactory(
        household=elders, relation=Member.Relation.PARENT, is_five_elders=True
    )
    marginal = HouseholdFactory(region=place["village"], tier=Tier.MARGINAL)
    Household.objects.filter(pk__in=[tekun.pk, alone.pk, elders.pk, marginal.pk]).update(
        household_tier="none"
    )
    temporary = HouseholdFactory(region=place["village"], tier=Tier.NONE)
    Household.objects.filter(pk=temporary.pk).update(tier="temporary")
    weights = PolicyValue.objects.create(
        key="priority_weights", region=place["county"], year=2000, value={"tier": {"temporary": 5}}
    )

    migration.split_tiers(global_apps, None)

    tekun.refresh_from_db()
    marginal.refresh_from_db()
    temporary.refresh_from_db()
    weights.refresh_from_db()
    assert (tekun.tier, tekun.household_tier) == (Tier.TEKUN, Tier.NONE)
    status = dict(Member.objects.values_list("pk", "personal_status"))
    assert (status[head.pk], status[spouse.pk]) == ("tekun", "none")
    assert status[only.pk] == "tekun"
    assert (status[five_elders.pk], status[elders_head.pk]) == ("tekun", "none")
    assert marginal.household_tier == Tier.MARGINAL
    assert (temporary.tier, temporary.household_tier) == (Tier.NONE, Tier.NONE)
    assert weights.value == {"tier": {}}


# --- the policy that keeps statuses at the county -------------------------------------------


def test_a_county_manager_keeps_some_statuses_at_the_county_on_the_settings_page(
    client, place, county_manager, in_english
):
    client.force_login(county_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse(
        "regions:policy-parameter", args=[place["county"].code, 2026, "status_confirmed_at_county"]
    )

    form = client.get(url).content.decode()
    response = client.post(
        url, {"value": ["dibao", "tekun"], "source": "县民政局通知"}, follow=True
    )

    assert 'value="single_dibao"' in form
    assert response.status_code == 200
    assert Policy(place["village"], 2026)["status_confirmed_at_county"] == ["tekun", "dibao"]
    with pytest.raises(ParameterError):
        coerce("status_confirmed_at_county", ["tekun", "temporary"])
    assert Policy(place["village"], 2026)["dibao_gradual_exit_months"] == 6
