"""A run's results in the staff's words, sent as referrals from its page, and its fairness by
township: what the staff see over HTTP."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from bangfu.accounts.models import Membership, Organisation
from bangfu.matching_runs import referring
from bangfu.matching_runs.adapter.common import CERTIFIED_SKILL, PARENT_COVERS, VOLUNTEER_SKILL
from bangfu.matching_runs.engine import COMPONENT_LABELS
from bangfu.matching_runs.explain import percent, reasons, score
from bangfu.matching_runs.models import Allocation, MatchingRun, ProviderKind, RankedCandidate
from bangfu.matching_runs.services import run_request
from bangfu.procurement.models import CatalogueItem
from bangfu.providers.models import Provider
from bangfu.referrals import selectors as referral_selectors
from bangfu.referrals import services as referral_services
from bangfu.referrals.models import IntakeCase, Referral, ReferralEvent
from bangfu.registry.models import Need, ServiceCategory, Tier
from tests.factories import (
    OfferFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    charity_with_staff,
    member_of,
)
from tests.matching_runs.conftest import household_with_need

pytestmark = pytest.mark.django_db


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    return client


def text_of(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r" ([:;,.])", r"\1", html.unescape(text))


def allocate(region, bureau, capture):
    with capture(execute=True):  # the run's task runs in-process
        run = run_request(kind="allocate", region=region, by=bureau)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE, run.error
    return run


def station_user(station, username):
    user = UserFactory(username=username)
    member_of(user, station.organisation, Membership.Role.STATION_STAFF)
    return user


# --- results in the staff's words ---------------------------------------------------------------


def test_each_reason_is_named_with_its_quantity_and_why(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _town1, village1, _town2, _village2 = county
    need = household_with_need(village1, tier=Tier.TEKUN)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    allocation = Allocation.objects.get(run=run)
    assert allocation.provider_id == providers[0].provider_id  # the township's own station

    page = text_of(english(client, bureau).get(reverse("matching_runs:run-detail", args=[run.pk])))
    assert need.household.registry_number in page
    assert "澧江街道社工站 (social-work station)" in page
    distance = Allocation.objects.get(run=run).distance_km
    assert f"Distance: {distance:.1f} km from the home" in page
    assert "this part halves every 3.5 km" in page
    assert "Service offered: offers this service" in page
    assert "Places free: 2 of 2 places free" in page
    assert "Rating: not rated yet (counted as 3 of 5)" in page
    assert "Chance of success: success chance 70% (no model trained yet" in page
    assert "Continuity: does not serve it yet" in page
    assert "A score runs from 0 (no fit) to 1 (the best fit possible)" in page
    assert f"Score {allocation.score:.2f} of 1" in page
    # The summary, in plain words and exact figures.
    assert "All servable protected needs (特困、孤儿、重度残疾) are placed: 1 / 1." in page
    assert "1 of 1 open needs are placed." in page
    assert "The allocation is the best possible (solved exactly)." in page
    # No raw keys of the engine.
    assert "headroom" not in page and "skills 1.00" not in page


def test_the_page_reads_in_chinese_by_default(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _town1, village1, _town2, _village2 = county
    household_with_need(village1)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    client.force_login(bureau)
    page = text_of(client.get(reverse("matching_runs:run-detail", args=[run.pk])))
    assert "建议的服务提供方" in page  # "Proposed providers"
    assert "澧江街道社工站 (社工站)" in page
    # Translated, not the Chinese quoted inside the English msgids: the labels, the distance's
    # reason and the score's scale in the catalogue's words.
    assert "距离:" in page
    assert "连续性" in page
    assert "一户一条救助链：已在为该户服务的服务提供方优先。" in page
    assert "此项得分每增加 3.5 km 减半" in page
    assert "得分范围为 0（不匹配）到 1（最佳匹配）" in page
    assert "Distance" not in page and "One household, one chain of help" not in page


def test_a_gap_of_under_one_percent_shows_exactly(client, county, bureau):
    region = county[0]
    run = MatchingRun.objects.create(
        job_key="hand-made",
        kind=MatchingRun.Kind.ALLOCATE,
        region=region,
        status=MatchingRun.Status.DONE,
        objective=99.54,
        bound=100.0,
    )
    page = text_of(english(client, bureau).get(reverse("matching_runs:run-detail", args=[run.pk])))
    assert "The allocation is within 0.46% of the best possible." in page
    assert "Short of the best possible 0.46%" in page
    assert (percent(0.0046), percent(0.000012), percent(0.0)) == ("0.46%", "0.0012%", "0%")


def test_charity_offers_and_procured_projects_are_named(client, county, providers, bureau):
    region, _town1, village1, _town2, _village2 = county
    need = household_with_need(village1)
    other = household_with_need(village1, seq=1)
    charity, _staff = charity_with_staff(region)
    offer = OfferFactory(charity=charity, title="爱心大米")
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, name="元江县康乐社工中心")
    project = ProjectFactory(region=region, agency=agency, name="居家照料服务项目")
    run = MatchingRun.objects.create(
        job_key="hand-made",
        kind=MatchingRun.Kind.ALLOCATE,
        region=region,
        status=MatchingRun.Status.DONE,
    )
    for row, kind, provider_id in (
        (need, ProviderKind.OFFER, offer.pk),
        (other, ProviderKind.PROJECT, project.provider_id),
    ):
        Allocation.objects.create(
            run=run,
            need=row,
            provider_kind=kind,
            provider_id=provider_id,
            score=0.5,
            priority=Decimal("50"),
        )
    page = text_of(english(client, bureau).get(reverse("matching_runs:run-detail", args=[run.pk])))
    assert "爱心大米 · 元江县慈善总会 (charity offer)" in page
    assert "居家照料服务项目 (procured project)" in page
    assert " ? " not in page


# --- acting on a run ------------------------------------------------------------------------------


def test_a_townships_suggestions_become_referrals_in_the_stations_inbox(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, town1, village1, _town2, village2 = county
    station1, station2, _volunteer = providers
    here = [household_with_need(village1, seq=i) for i in range(2)]
    there = household_with_need(village2)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = english(client, bureau).post(
            reverse("matching_runs:run-refer", args=[run.pk]),
            {"action": "township", "township": town1.pk},
            follow=True,
        )
    # The result has a page of its own, its address the run's only: no person in it.
    result_url = reverse("matching_runs:run-referred", args=[run.pk])
    assert response.redirect_chain == [(result_url, 302)]
    assert "2 referrals sent; 0 suggestions not sent." in text_of(response)
    # Reloading the result sends nothing again.
    assert "2 referrals sent" in text_of(client.get(result_url))
    assert Referral.objects.count() == 2
    referrals = list(Referral.objects.order_by("need_id"))
    assert [r.need_id for r in referrals] == [need.pk for need in here]  # not the other township
    assert {r.provider_id for r in referrals} == {station1.provider_id}
    for referral in referrals:
        assert referral.status == Referral.Status.SENT
        assert referral.sent_by == bureau
        assert referral.accept_due_at > referral.sent_at  # the desk's deadline
        assert referral.score_components["distance"] > 0  # the engine's reasons kept
        assert ReferralEvent.objects.filter(referral=referral, by=bureau).exists()  # audit
    assert Need.objects.get(pk=there.pk).status == Need.Status.OPEN

    inbox = english(client, station_user(station1, "station1_staff")).get(reverse("portal:inbox"))
    assert inbox.status_code == 200
    for referral in referrals:
        assert reverse("portal:case", args=[referral.pk]) in inbox.content.decode()
    other_inbox = english(client, station_user(station2, "station2_staff")).get(
        reverse("portal:inbox")
    )
    assert reverse("portal:case", args=[referrals[0].pk]) not in other_inbox.content.decode()


def test_a_need_already_referred_is_refused_with_its_reason(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _town1, village1, _town2, _village2 = county
    first, second = (household_with_need(village1, seq=i) for i in range(2))
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    staff = english(client, bureau)
    url = reverse("matching_runs:run-refer", args=[run.pk])
    assert staff.post(url, {"one": first.pk}).status_code == 302
    assert Referral.objects.filter(need=first).count() == 1

    response = staff.post(url, {"action": "ticked", "need": [first.pk, second.pk]}, follow=True)
    page = text_of(response)
    assert "1 referral sent; 1 suggestion not sent." in page
    assert f"{first.household.registry_number} · " in page
    assert "This need is no longer open: it is referred." in page
    assert Referral.objects.filter(need=first).count() == 1  # nothing sent twice
    assert Referral.objects.filter(need=second).count() == 1


def test_only_the_desks_roles_send_suggestions(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _town1, village1, _town2, _village2 = county
    need = household_with_need(village1)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    auditor = UserFactory(username="auditor_mr")
    member_of(
        auditor,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region),
        Membership.Role.AUDITOR,
    )
    url = reverse("matching_runs:run-refer", args=[run.pk])
    # The auditor reads the run, but may not refer.
    detail = english(client, auditor).get(reverse("matching_runs:run-detail", args=[run.pk]))
    assert detail.status_code == 200
    assert english(client, auditor).post(url, {"one": need.pk}).status_code == 403
    assert not Referral.objects.exists()
    # Control: the bureau's staff, the same suggestion.
    assert english(client, bureau).post(url, {"one": need.pk}).status_code == 302
    assert Referral.objects.filter(need=need).count() == 1


def test_nothing_chosen_is_a_clear_error(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _town1, village1, _town2, _village2 = county
    household_with_need(village1)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    url = reverse("matching_runs:run-refer", args=[run.pk])
    response = english(client, bureau).post(url, {"action": "ticked"})
    assert response.status_code == 400
    assert "Tick at least one suggestion to send." in text_of(response)
    response = english(client, bureau).post(url, {"action": "township"})
    assert "Choose the township whose suggestions to send." in text_of(response)
    assert not Referral.objects.exists()


def test_a_refused_send_leaves_no_case_behind_and_the_others_go(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    """The station of township 2 pauses after the run: its suggestion's intake case, opened in
    the suggestion's savepoint before the send was refused, is rolled back with it."""
    region, _town1, village1, _town2, village2 = county
    station1, station2, _volunteer = providers
    here = household_with_need(village1)
    there = household_with_need(village2)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    assert Allocation.objects.get(run=run, need=there).provider_id == station2.provider_id
    Provider.objects.filter(pk=station2.provider_id).update(is_paused=True)

    response = english(client, bureau).post(
        reverse("matching_runs:run-refer", args=[run.pk]),
        {"action": "ticked", "need": [here.pk, there.pk]},
        follow=True,
    )
    page = text_of(response)
    assert "1 referral sent; 1 suggestion not sent." in page
    assert "This provider is not taking referrals now." in page
    assert not IntakeCase.objects.filter(need=there).exists()
    assert not Referral.objects.filter(need=there).exists()
    assert Need.objects.get(pk=there.pk).status == Need.Status.OPEN
    assert Referral.objects.get(need=here).provider_id == station1.provider_id


def test_a_permission_or_database_error_refuses_one_suggestion_not_the_rest(
    county, providers, bureau, django_capture_on_commit_callbacks, monkeypatch
):
    region, _town1, village1, _town2, village2 = county
    first, second = (household_with_need(village1, seq=i) for i in range(2))
    third = household_with_need(village2)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    send = referral_services.referral_send

    def flaky_send(*, intake, **kwargs):
        if intake.need_id == first.pk:
            raise PermissionDenied("This need is outside your area.")
        if intake.need_id == second.pk:
            raise IntegrityError("duplicate key")
        return send(intake=intake, **kwargs)

    monkeypatch.setattr(referring.referral_services, "referral_send", flaky_send)
    with override("en"):
        outcome = referring.run_refer(run=run, by=bureau, need_ids=[first.pk, second.pk, third.pk])
    assert [referral.need_id for referral in outcome.sent] == [third.pk]
    reasons = {refusal.allocation.need_id: refusal.reason for refusal in outcome.refused}
    assert reasons[first.pk] == "This need is outside your area."
    assert "nothing was saved for it" in reasons[second.pk]
    # Each refused suggestion's intake case went with its savepoint.
    assert set(IntakeCase.objects.values_list("need_id", flat=True)) == {third.pk}


def test_sending_opens_cases_without_ranking_the_needs_again(
    county, providers, bureau, django_capture_on_commit_callbacks, monkeypatch
):
    region, _town1, village1, _town2, _village2 = county
    needs = [household_with_need(village1, seq=i) for i in range(2)]
    run = allocate(region, bureau, django_capture_on_commit_callbacks)

    def no_ranking(*args, **kwargs):
        raise AssertionError("the run already ranked the need")

    monkeypatch.setattr(referral_selectors, "intake_candidates", no_ranking)
    outcome = referring.run_refer(run=run, by=bureau, need_ids=[need.pk for need in needs])
    assert len(outcome.sent) == 2 and not outcome.refused
    for need in needs:
        intake = IntakeCase.objects.get(need=need)
        assert intake.candidate_count == RankedCandidate.objects.filter(run=run, need=need).count()
        assert intake.candidate_count > 0 and intake.candidates_checked_at is not None


def test_only_a_finished_allocation_run_is_sent(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _town1, village1, _town2, _village2 = county
    need = household_with_need(village1)
    ranking = MatchingRun.objects.create(
        job_key="ranking", kind=MatchingRun.Kind.RANK, region=region, status="done"
    )
    unfinished = MatchingRun.objects.create(
        job_key="unfinished", kind=MatchingRun.Kind.ALLOCATE, region=region, status="running"
    )
    for run, message in (
        (ranking, "A ranking run proposes no provider to send: start an allocation run."),
        (unfinished, "The run has not finished: its suggestions can be sent once it has."),
    ):
        Allocation.objects.create(
            run=run,
            need=need,
            provider_kind=ProviderKind.STATION,
            provider_id=providers[0].provider_id,
            score=0.5,
            priority=Decimal("50"),
        )
        response = english(client, bureau).post(
            reverse("matching_runs:run-refer", args=[run.pk]), {"one": need.pk}, follow=True
        )
        assert response.redirect_chain == [
            (reverse("matching_runs:run-detail", args=[run.pk]), 302)
        ]
        assert message in text_of(response)
    assert not Referral.objects.exists() and not IntakeCase.objects.exists()
    # Control: a finished allocation run, the same need.
    done = allocate(region, bureau, django_capture_on_commit_callbacks)
    english(client, bureau).post(
        reverse("matching_runs:run-refer", args=[done.pk]), {"one": need.pk}
    )
    assert Referral.objects.filter(need=need).count() == 1


def test_the_result_page_reads_its_referrals_in_a_fixed_number_of_queries(
    client,
    county,
    providers,
    bureau,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    region, _town1, village1, _town2, village2 = county
    for i in range(2):
        household_with_need(village1, seq=i)
    for i in range(4):
        household_with_need(village2, seq=i)
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    staff = english(client, bureau)
    staff.post(
        reverse("matching_runs:run-refer", args=[run.pk]),
        {"action": "ticked", "need": list(Allocation.objects.values_list("need_id", flat=True))},
    )
    assert Referral.objects.count() == 6
    with django_assert_max_num_queries(15):
        page = text_of(staff.get(reverse("matching_runs:run-referred", args=[run.pk])))
    assert "6 referrals sent" in page


@override("en")
def test_scores_and_shares_read_in_one_format_never_rounded_to_zero():
    assert score(0.7312) == "0.73 of 1"
    assert score(0.0042) == "0.0042 of 1"  # not "0.00 of 1"
    assert score(0) == "0.00 of 1"
    assert (percent(0.5473), percent(0.0046), percent(0.000012)) == ("55%", "0.46%", "0.0012%")


@override("en")
def test_the_distance_reason_reads_the_runs_own_scale():
    facts = {"distance_scale_km": 10.0}
    (distance,) = reasons({"distance": 0.5, "facts": facts}, distance_km=6.9)
    assert "halves every 6.9 km" in distance.why
    # Rows stored before the scale was kept read the engine's default.
    (old,) = reasons({"distance": 0.5}, distance_km=3.5)
    assert "halves every 3.5 km" in old.why


@override("en")
def test_reasons_follow_the_engines_components_and_skill_levels():
    shares = {label: 0.5 for label in COMPONENT_LABELS.values()}
    assert [reason.key for reason in reasons(shares)] == list(COMPONENT_LABELS.values())
    for share, text in (
        (CERTIFIED_SKILL, "offers this service"),
        (VOLUNTEER_SKILL * PARENT_COVERS, "offers the wider service (volunteer without"),
    ):
        (skills,) = reasons({"skills": share})
        assert skills.quantity.startswith(text)


# --- fairness and gaps ----------------------------------------------------------------------------


@pytest.fixture
def scarce_rehabilitation(county, providers):
    """One volunteer therapist near village 1 (one place), and rehabilitation needs: a 特困
    need opened last, an older one of higher priority, and one in township 2, out of reach."""
    _region, _town1, village1, _town2, village2 = county
    today = timezone.localdate()
    tekun = household_with_need(village1, tier=Tier.TEKUN, category="rehabilitation", priority="20")
    older = household_with_need(village1, category="rehabilitation", priority="80")
    far = household_with_need(village2, category="rehabilitation")
    Need.objects.filter(pk=tekun.pk).update(opened_on=today - dt.timedelta(days=2))
    Need.objects.filter(pk=older.pk).update(opened_on=today - dt.timedelta(days=30))
    return tekun, older, far


def test_each_township_reports_protected_needs_gaps_and_the_gain_over_first_come(
    client, county, providers, bureau, scarce_rehabilitation, django_capture_on_commit_callbacks
):
    region, town1, _village1, town2, _village2 = county
    tekun, _older, _far = scarce_rehabilitation
    run = allocate(region, bureau, django_capture_on_commit_callbacks)
    rehabilitation = ServiceCategory.objects.get(code="rehabilitation")
    report = run.fairness
    assert report["protected"] == {"served": 1, "servable": 1}
    # First come, first served gives the one place to the older need.
    assert report["fcfs"]["served"] == 1 and report["fcfs"]["protected_served"] == 0
    first, second = report["townships"]
    assert first["code"] == town1.code and second["code"] == town2.code
    assert (first["protected"], first["protected_with_candidate"]) == (1, 1)
    assert (first["protected_served"], first["fcfs_protected_served"]) == (1, 0)
    assert (first["served"], first["fcfs_served"], first["needs"]) == (1, 1, 2)
    assert first["by_kind"]["volunteer"] == 1 and first["no_candidate"] == {}
    assert second["no_candidate"] == {str(rehabilitation.pk): 1}
    assert second["served"] == 0
    assert Allocation.objects.get(run=run).need_id == tekun.pk

    response = english(client, bureau).get(reverse("matching_runs:run-detail", args=[run.pk]))
    content = response.content.decode()
    row = re.search(rf'<tr data-township="{town1.code}">(.*?)</tr>', content, re.S).group(1)
    row_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert "1 / 1" in row_text  # protected placed / with a candidate
    assert "1 / 2" in row_text  # needs placed
    assert "+0 needs, +1 protected" in row_text
    assert "volunteer 1 (100%)" in row_text
    gap_row = re.search(rf'<tr data-township="{town2.code}">(.*?)</tr>', content, re.S).group(1)
    item = CatalogueItem.objects.get(code="rehab-training")
    assert f'href="{reverse("procurement:catalogue")}#item-{item.pk}"' in gap_row
    assert f"{rehabilitation.name_en}</a> × 1" in gap_row
    assert '<svg class="chart"' in content  # the chart of who places the needs


def test_a_run_split_by_county_reports_its_counties_townships(
    county, providers, bureau, scarce_rehabilitation, django_capture_on_commit_callbacks
):
    region, town1, _village1, town2, _village2 = county
    with django_capture_on_commit_callbacks(execute=True):
        run = run_request(kind="province", region=region.parent, by=bureau)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE, run.error
    (part,) = run.parts.all()
    assert run.fairness == part.fairness
    assert [row["code"] for row in run.fairness["townships"]] == [town1.code, town2.code]
    assert run.fairness["protected"] == {"served": 1, "servable": 1}
