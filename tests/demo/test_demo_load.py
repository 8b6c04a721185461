"""``manage.py demo_load``: a small demo county that is real enough, where every feature has
data, and safe to load twice.

The demo is loaded once for this module, in a transaction rolled back at its end; each test
runs in a savepoint inside it (pytest-django's ``db``), so what a test changes goes with it.
"""

import re
from collections import Counter
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils.translation import gettext
from wagtail.models import Page, PageLogEntry

from bangfu.accounts.models import Membership, User
from bangfu.core import crypto
from bangfu.core.audit_chain import verify
from bangfu.core.id_numbers import parse_id_number
from bangfu.core.templatetags.money import yuan
from bangfu.demo.builder import demo_counts, demo_reset, name_data
from bangfu.demo.logins import LOGINS
from bangfu.demo.steps.matching import JOB_KEY
from bangfu.demo.steps.organisations import AGENCY
from bangfu.discovery.models import Flag, Rule, Task
from bangfu.matching_runs.engine import SUCCESS_MODELS
from bangfu.matching_runs.models import MatchingRun
from bangfu.offers.models import Allocation, Offer
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.providers.models import Station, Volunteer
from bangfu.referrals.models import Referral, ServiceSession
from bangfu.referrals.selectors import provider_referrals
from bangfu.regions.models import Region
from bangfu.registry import decision_rights, grants
from bangfu.registry.grants import TemporaryGrant
from bangfu.registry.models import Household, Member, StatusDecision
from cms.models import NewsPage, OfferPage, ProjectIndexPage, ProjectPage
from tests.demo.digest import AS_OF, SMALL, demo_digest, load

pytestmark = pytest.mark.django_db
PASSWORDS = {login.username: login.password for login in LOGINS}


@pytest.fixture(scope="module")
def demo_var(tmp_path_factory):
    """The VAR_DIR the demo trains its models into, shared by this module's tests."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path, demo_var):
    """As the project's (tests/conftest.py), but these tests read the models the demo trained."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.VAR_DIR = demo_var


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_var):
    """The small demo, loaded once; its output. Its model artifacts go to a temporary VAR_DIR."""
    from bangfu.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with (
        override_settings(VAR_DIR=demo_var),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield load()
        transaction.set_rollback(True)
    app.conf.task_always_eager = eager


def log_in(client, username: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 302


# --- the registry ------------------------------------------------------------------------------


def test_it_builds_the_real_county_with_its_townships_and_villages(demo):
    county = Region.objects.get(code="530428")
    assert county.name == "元江哈尼族彝族傣族自治县"
    assert [r.name for r in county.ancestors(include_self=False)] == ["玉溪市", "云南省"]
    townships = {r.code: r.name for r in county.children.all()}
    assert townships == {
        "530428001": "红河街道",
        "530428002": "澧江街道",
        "530428003": "甘庄街道",
        "530428101": "曼来镇",
        "530428102": "因远镇",
        "530428201": "龙潭乡",
        "530428202": "羊街乡",
        "530428203": "那诺乡",
        "530428204": "洼垤乡",
        "530428205": "咪哩乡",
    }
    villages = Region.objects.subtree(county).filter(level=Region.Level.VILLAGE)
    assert villages.count() >= 70
    for village in villages.select_related("parent"):
        assert len(village.code) == 12 and village.code.startswith(village.parent.code)
        # Within ~35 km of the county seat (23.60 N, 101.99 E).
        assert abs(village.latitude - Decimal("23.60")) < Decimal("0.32")
        assert abs(village.longitude - Decimal("101.99")) < Decimal("0.32")


def test_every_id_number_is_valid_unique_and_matches_its_member(demo):
    members = list(Member.objects.all())
    surnames = set().union(*name_data()["surnames"].values())
    assert len(members) >= SMALL
    numbers = [member.id_number for member in members]
    assert len(set(numbers)) == len(numbers)
    for member in members:
        facts = parse_id_number(member.id_number, today=AS_OF)
        assert member.id_number.startswith("530428")
        assert (facts.birth_date, facts.sex) == (member.birth_date, member.sex)
        assert member.id_number_hash == crypto.lookup_hash(member.id_number)
        assert member.name[0] in surnames


def test_it_has_stations_volunteers_and_one_login_per_role(demo):
    assert Station.objects.count() == 10
    for station in Station.objects.prefetch_related("service_area", "categories"):
        assert list(station.service_area.all()) == [station.organisation.region]
        assert station.categories.count() >= 8
    assert Volunteer.objects.count() >= 80
    assert not Volunteer.objects.filter(categories=None).exists()
    for volunteer in Volunteer.objects.select_related("user", "provider"):
        # A rating rests on rated outcomes; a newcomer has neither.
        provider = volunteer.provider
        assert (provider.quality_rating is None) == (provider.rated_outcomes == 0)
        assert (provider.name, provider.region) == (str(volunteer.user), volunteer.home_region)
        assert volunteer.user.memberships.filter(
            organisation=volunteer.organisation_id, role=Membership.Role.VOLUNTEER
        ).exists()
    for login in LOGINS:
        assert login.username in demo and login.password in demo
    assert "http://127.0.0.1:8000/" in demo
    assert "http://127.0.0.1:8000/accounts/login/" in demo


# --- the features ------------------------------------------------------------------------------


def test_every_feature_has_data(demo):
    # Procurement: the year's projects from draft to closed, within the cap.
    statuses = set(Project.objects.values_list("status", flat=True))
    assert Project.objects.count() == 12 and statuses == set(Project.Status.values)
    # Referrals in every state the stations work with, sessions and feedback included.
    referral_statuses = set(Referral.objects.values_list("status", flat=True))
    assert referral_statuses >= {"sent", "accepted", "completed", "declined"}
    assert Referral.objects.filter(sessions__isnull=False).exists()
    # One finished allocation run of the county, with a success model trained for it.
    run = MatchingRun.objects.get(job_key=JOB_KEY)
    assert run.status == MatchingRun.Status.DONE and run.assigned_count > 0
    assert run.allocations.count() == run.assigned_count
    assert SUCCESS_MODELS.path(run.parameters["success_model"]).is_file()
    # The charity's offers: four published with allocations, one waiting for the bureau.
    assert Counter(Offer.objects.values_list("status", flat=True)) == {
        Offer.Status.APPROVED: 4,
        Offer.Status.PENDING: 1,
    }
    assert Allocation.objects.exists()
    # Cross-check warnings raised by the files' rules, each with a verification task; a
    # duplicate registration the registry refused, for the county's bureau.
    warnings = Flag.objects.filter(fired_on=AS_OF)
    assert {
        Rule.MEDICAL,
        Rule.SEVERE_DISABILITY,
        Rule.SINGLE_DIBAO_CANDIDATE,
        Rule.MONITORING,
        Rule.TEKUN_MINOR_DROPPED,
        Rule.WRONGLY_COVERED,
        Rule.DUPLICATE_REGISTRATION,
    } <= set(warnings.values_list("rule", flat=True))
    assert not warnings.exclude(rule=Rule.DUPLICATE_REGISTRATION).filter(task=None).exists()
    assert Task.objects.filter(kind=Task.Kind.VISIT).exists()
    # The summary names them.
    for label in ("procured projects", "needs allocated by the engine", "open warnings"):
        assert gettext(label) in demo


def test_the_township_reviewer_finds_the_recommendations_of_their_township(demo, client):
    reviewer = User.objects.get(username="reviewer")
    waiting = StatusDecision.objects.filter(state=StatusDecision.State.PROPOSED)
    theirs = waiting.filter(household__region__parent__code="530428102")
    others = waiting.exclude(pk__in=theirs.values("pk"))
    assert theirs.exists() and others.exists()
    assert all(decision_rights.may_confirm(reviewer, decision) for decision in theirs)
    assert not any(decision_rights.may_confirm(reviewer, decision) for decision in others)
    log_in(client, "reviewer")
    html = client.get(reverse("registry:decision-list")).content.decode()
    for decision in theirs:
        assert reverse("registry:decision-detail", args=[decision.pk]) + '"' in html
    for decision in others:
        assert reverse("registry:decision-detail", args=[decision.pk]) + '"' not in html
    # The history: confirmed with the benefits system's reference, some turned down.
    assert StatusDecision.objects.filter(state="confirmed").exclude(reference="").exists()
    assert StatusDecision.objects.filter(state="rejected").exclude(rejection_reason="").exists()


def test_temporary_grants_are_decided_reported_and_waiting(demo):
    decided = TemporaryGrant.objects.filter(state=TemporaryGrant.State.DECIDED)
    assert decided.filter(first_aid=True).exclude(reported_at=None).exists()
    assert decided.to_report().exists()
    assert decided.filter(first_aid=False, kind=TemporaryGrant.Kind.EXPENDITURE).exists()
    assert not decided.filter(granted_on__gt=AS_OF).exists()
    limit = grants.first_aid_limit(Region.objects.get(code="530428"), AS_OF)
    assert not decided.filter(first_aid=True, amount__gt=limit).exists()
    # A proposal in Yinyuan within the township's limit waits for the reviewer, who may decide
    # it; the Yinyuan assistant who may propose may not.
    waiting = TemporaryGrant.objects.proposed().filter(
        household__region__parent__code="530428102", amount__lte=limit
    )
    assert waiting.exists()
    reviewer, assistant = User.objects.filter(username__in=["reviewer", "assistant"]).order_by(
        "-username"
    )
    assert grants.may_decide(reviewer, waiting.first())
    assert not grants.may_decide(assistant, waiting.first())
    # The registry's households of no status came through a grant: none is "enrolled" in
    # 临时救助 (those registered on a visit wait for the township, with no grant).
    crisis = Household.objects.filter(
        tier="none", status=Household.Status.ACTIVE, enrolled_on__isnull=False
    )
    assert crisis.exists()
    assert not crisis.filter(temporary_grants=None).exists()


def test_the_public_home_page_shows_the_county_projects_and_offers(demo, client):
    published = Project.objects.filter(status__in=Project.PUBLISHED_STATUSES)
    assert ProjectPage.objects.live().count() == published.count() > 0
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    amount = yuan(sum(p.amount for p in published))
    assert f"<dd>{published.count()}</dd>" in html and f"<dd>{amount}</dd>" in html
    for offer in Offer.objects.filter(status=Offer.Status.APPROVED):
        assert offer.title in html
    assert NewsPage.objects.live().order_by("-date").first().title in html

    notices = client.get(ProjectIndexPage.objects.get().url).content.decode()
    for project in Project.objects.all():
        assert (project.name in notices) == (project.status in Project.PUBLISHED_STATUSES)


def test_station_staff_see_the_referrals_sent_to_their_station(demo, client):
    station = User.objects.get(username="station")
    theirs = provider_referrals(station).order_by("-sent_at", "-pk")
    assert theirs.exists()
    others = Referral.objects.exclude(pk__in=theirs.values("pk"))
    assert others.exists()
    log_in(client, "station")
    response = client.get(reverse("portal:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    for referral in theirs[:10]:
        assert reverse("portal:case", args=[referral.pk]) + '"' in html
    for referral in others:
        assert reverse("portal:case", args=[referral.pk]) + '"' not in html
    assert gettext("(%(count)s referrals)") % {"count": theirs.count()} in demo


def test_agency_staff_see_the_referrals_sent_to_their_agencys_projects(demo, client):
    agency = User.objects.get(username="agency")
    theirs = provider_referrals(agency)
    assert theirs.exists()
    assert set(theirs.values_list("provider__project__agency__name", flat=True)) == {AGENCY}
    others = Referral.objects.exclude(pk__in=theirs.values("pk"))
    log_in(client, "agency")
    response = client.get(reverse("portal:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    for referral in theirs:
        assert reverse("portal:case", args=[referral.pk]) + '"' in html
    for referral in others:
        assert reverse("portal:case", args=[referral.pk]) + '"' not in html
    # The summary gives the agency's log-in its own figure.
    row = next(line for line in demo.splitlines() if PASSWORDS["agency"] in line)
    assert gettext("(%(count)s referrals)") % {"count": theirs.count()} in row


def test_the_engine_refers_cases_to_projects_whose_sessions_become_their_deliveries(demo):
    # The service projects under way serve townships whose station lacks their service: the
    # engine sends cases there, and the agency serves some of them through to feedback.
    to_projects = Referral.objects.filter(provider__kind="project").select_related(
        "provider__project", "need__category"
    )
    assert to_projects.exists()
    for referral in to_projects:
        assert referral.provider.project.status == Project.Status.IN_PROGRESS
        assert referral.provider.project.line_for(referral.need.category) is not None
    assert to_projects.filter(status=Referral.Status.COMPLETED, feedback__isnull=False).exists()
    sessions = ServiceSession.objects.filter(referral__in=to_projects).select_related(
        "referral__provider", "referral__need"
    )
    assert sessions.exists() and not sessions.filter(delivery_record=None).exists()
    for session in sessions:
        delivery = DeliveryRecord.objects.select_related("project").get(
            pk=session.delivery_record, case=session.referral_id
        )
        assert delivery.project.provider_id == session.referral.provider_id
        assert delivery.household_id == session.referral.need.household_id
        assert delivery.project.starts_on <= delivery.delivered_on <= AS_OF
    # Nothing the projects delivered is dated after the demo's today.
    assert not DeliveryRecord.objects.filter(delivered_on__gt=AS_OF).exists()


def test_charity_staff_see_their_offers_and_no_household(demo, client):
    log_in(client, "charity")
    html = client.get(reverse("charity:home")).content.decode()
    for offer in Offer.objects.all():
        assert offer.title in html
    for household in Household.objects.all()[:20]:
        assert household.registry_number not in html
    assert gettext("(%(count)s offers)") % {"count": 5} in demo


# --- loading again, resetting ------------------------------------------------------------------


def test_running_it_twice_adds_nothing_and_prints_the_logins_again(demo):
    counts, users = demo_counts(), User.objects.count()
    again = load()
    assert (
        gettext("The demo is already loaded: nothing was added (use --reset to rebuild it).")
        in again
    )
    assert demo_counts() == counts and User.objects.count() == users
    for login in LOGINS:
        assert login.password in again


def test_reset_rebuilds_the_same_demo_from_scratch(demo):
    digest, counts = demo_digest(), demo_counts()
    rebuilt = load(reset=True)
    removed = re.escape(gettext("Removed the demo (%.1f s).")).replace("%\\.1f", r"\d+\.\d")
    assert re.search(removed, rebuilt)
    assert demo_digest() == digest
    assert demo_counts() == counts


def test_reset_removes_what_the_demo_made_and_its_audit_trail(demo):
    run = MatchingRun.objects.get(job_key=JOB_KEY)
    artifact = SUCCESS_MODELS.path(run.parameters["success_model"])
    assert LogEntry.objects.exists() and PageLogEntry.objects.exists()
    demo_reset()
    assert not Region.objects.filter(code__startswith="5304").exists()
    assert not User.objects.exists()
    for model in (Household, Project, Referral, MatchingRun, Offer, Flag, Task):
        assert not model.objects.exists(), model
    assert not OfferPage.objects.exists() and not ProjectPage.objects.exists()
    assert not NewsPage.objects.exists()
    # The site's own pages stay: root, home and the four section indexes.
    assert Page.objects.count() == 6
    # Only the erasures' own entries stay: each says which seals of the audit chain it erased.
    assert not LogEntry.objects.exclude(additional_data__audit_erasure__isnull=False).exists()
    assert not PageLogEntry.objects.exists() and verify().ok
    assert not artifact.exists()


# --- who sees what -----------------------------------------------------------------------------


def test_scoped_querysets_follow_each_role(demo):
    users = {user.username: user for user in User.objects.all()}
    everyone = Household.objects.count()
    assert Household.objects.for_user(users["bureau"]).count() == everyone
    assert Household.objects.for_user(users["auditor"]).count() == everyone
    assistant = Household.objects.for_user(users["assistant"])
    assert {h.region.code for h in assistant} <= {
        "530428102001",
        "530428102201",
        "530428102202",
        "530428102203",
    }
    for username in ("charity", "volunteer", "station", "agency"):
        assert not Household.objects.for_user(users[username]).exists()


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.username)
def test_each_role_logs_in_through_the_login_page_and_gets_the_household_list(demo, client, login):
    log_in(client, login.username)
    page = client.get(reverse("registry:household-list"))
    assert page.status_code == 200
    user = User.objects.get(username=login.username)
    visible = Household.objects.for_user(user).order_by("registry_number")
    content = page.content.decode()
    if visible.exists():
        assert any(household.registry_number in content for household in visible)
    hidden = Household.objects.exclude(pk__in=visible.values("pk")).first()
    if hidden is not None:
        assert hidden.registry_number not in content
