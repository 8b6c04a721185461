"""``manage.py demo_load``: a small demo county that is real enough, the same every time, and
safe to load twice."""

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from bangfu.accounts.models import Membership, User
from bangfu.core import crypto
from bangfu.core.id_numbers import parse_id_number
from bangfu.demo.builder import demo_counts, name_data
from bangfu.demo.logins import LOGINS
from bangfu.providers.models import Station, Volunteer
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.models import Household, Member, Need, Tier
from bangfu.registry.services import needs_reprioritise

AS_OF = dt.date(2026, 11, 20)
SMALL = 60


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # The demo's eight passwords with the production hasher cost seconds per load.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load(*, seed: int = 2026, reset: bool = False) -> str:
    out = StringIO()
    args = [f"--households={SMALL}", f"--seed={seed}", f"--as-of={AS_OF.isoformat()}"]
    call_command("demo_load", *args, *(["--reset"] if reset else []), stdout=out)
    return out.getvalue()


def registry_digest() -> str:
    """Everything a user of the registry sees, without database ids or ciphertext."""
    households = (
        Household.objects.select_related("region")
        .prefetch_related("members", "needs__category", "assessments__assessor")
        .order_by("registry_number")
    )
    rows = []
    for household in households:
        rows.append(
            [
                household.registry_number,
                household.region.code,
                household.tier,
                household.address,
                household.phone,
                str(household.enrolled_on),
                str(household.next_review_due),
                sorted(
                    [m.name, m.id_number, m.relation, str(m.monthly_income), m.disability]
                    for m in household.members.all()
                ),
                sorted(
                    [str(a.assessed_on), a.assessor.username, a.summary]
                    for a in household.assessments.all()
                ),
                sorted(
                    [n.category.code, n.severity, n.urgency, n.status, str(n.priority)]
                    for n in household.needs.all()
                ),
            ]
        )
    volunteers = sorted(
        [v.user.display_name, v.home_region.code, str(v.latitude), str(v.travel_radius_km)]
        for v in Volunteer.objects.select_related("user", "home_region")
    )
    blob = json.dumps([rows, volunteers], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


@pytest.fixture
def demo(db):
    return load()


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


def test_it_loads_the_requested_households_with_the_county_tier_mix(demo):
    households = Household.objects.filter(region__path__startswith="53/5304/530428/")
    assert households.count() == SMALL
    # 10% 特困, 60% 低保, 15% 边缘, 8% 支出型, 7% 临时 of 60 households.
    assert Counter(households.values_list("tier", flat=True)) == {
        Tier.TEKUN: 6,
        Tier.DIBAO: 36,
        Tier.MARGINAL: 9,
        Tier.EXPENDITURE: 5,
        Tier.TEMPORARY: 4,
    }
    assert "households" in demo and "60" in demo


def test_incomes_sit_where_each_tier_says(demo):
    standard = Policy(Region.objects.get(code="530428"), 2026).dibao_standard()
    assert standard == Decimal("790")
    per_person = {
        household: household.monthly_income_per_person()
        for household in Household.objects.prefetch_related("members")
    }
    dibao = [income for h, income in per_person.items() if h.tier == Tier.DIBAO]
    assert sum(income < standard for income in dibao) >= 0.85 * len(dibao)
    assert all(income < standard for h, income in per_person.items() if h.tier == Tier.TEKUN)
    assert all(income >= standard for h, income in per_person.items() if h.tier == Tier.MARGINAL)
    assert all(isinstance(income, Decimal) for income in per_person.values())


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
    for volunteer in Volunteer.objects.select_related("user"):
        # A rating rests on rated outcomes; a newcomer has neither.
        assert (volunteer.quality_rating is None) == (volunteer.rated_outcomes == 0)
        assert volunteer.user.memberships.filter(
            organisation=volunteer.organisation_id, role=Membership.Role.VOLUNTEER
        ).exists()
    for login in LOGINS:
        assert login.username in demo and login.password in demo
    assert "http://127.0.0.1:8000/" in demo


def test_priorities_are_the_registry_services_own(demo):
    needs = Need.objects.open()
    assert needs.exists() and not needs.filter(priority=0).exists()
    before = dict(needs.values_list("pk", "priority"))
    needs_reprioritise(needs=needs, today=AS_OF)
    assert dict(needs.values_list("pk", "priority")) == before
    assert Need.objects.filter(status__in=[Need.Status.MET, Need.Status.WITHDRAWN]).exists()


def test_two_loads_into_fresh_databases_give_the_same_registry(db):
    class Rollback(Exception):
        pass

    digests = []
    for seed in (2026, 2026, 7):
        try:
            with transaction.atomic():
                load(seed=seed)
                digests.append(registry_digest())
                raise Rollback
        except Rollback:
            pass
        assert not Household.objects.exists()
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]


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
    digest, counts = registry_digest(), demo_counts()
    rebuilt = load(reset=True)
    removed = re.escape(gettext("Removed the demo (%.1f s).")).replace("%\\.1f", r"\d+\.\d")
    assert re.search(removed, rebuilt)
    assert registry_digest() == digest
    assert demo_counts() == counts


def test_scoped_querysets_follow_each_role(demo):
    users = {user.username: user for user in User.objects.all()}
    assert Household.objects.for_user(users["bureau"]).count() == SMALL
    assert Household.objects.for_user(users["auditor"]).count() == SMALL
    assistant = Household.objects.for_user(users["assistant"])
    assert {h.region.code for h in assistant} <= {
        "530428102001",
        "530428102201",
        "530428102202",
        "530428102203",
    }
    for username in ("charity", "volunteer", "station"):
        assert not Household.objects.for_user(users[username]).exists()


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.username)
def test_each_role_logs_in_through_the_login_page_and_gets_the_household_list(demo, client, login):
    response = client.post(
        reverse("accounts:login"), {"username": login.username, "password": login.password}
    )
    assert response.status_code == 302
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
