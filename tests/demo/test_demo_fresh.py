"""The demo on a fresh database: the registry as the households step plans it, and the same
seed giving the same county, features included."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from bangfu.demo.builder import DemoOptions, demo_build
from bangfu.demo.families import tier_quota
from bangfu.demo.steps import STEPS
from bangfu.discovery.models import Flag
from bangfu.procurement.models import Project
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.coverage import strongest
from bangfu.registry.models import (
    Household,
    Member,
    Need,
    PersonalStatus,
    Residence,
    StatusDecision,
    Tier,
)
from bangfu.registry.policy import dibao_standard
from bangfu.registry.services import needs_reprioritise
from tests.demo.digest import AS_OF, SMALL, demo_digest, feature_rows, load

pytestmark = pytest.mark.django_db
REGISTRY_STEPS = (
    "regions",
    "policy",
    "organisations",
    "providers",
    "households",
    "decisions",
    "assessments",
    "priorities",
)


class Rollback(Exception):
    pass


@pytest.fixture
def registry():
    """The registry as planned, decided and prioritised: the feature steps move on from there
    (needs are met by referrals, finding people recommends some households to the township)."""
    steps = [step for step in STEPS if step.name in REGISTRY_STEPS]
    result = demo_build(options=DemoOptions(households=SMALL, as_of=AS_OF), steps=steps)
    return result.counts


def test_the_county_mix_of_households():
    # 10% 特困, 60% 低保, 15% 边缘, 8% 支出型 and 7% with no status (a 临时救助 grant) of 60.
    assert Counter(tier_quota(SMALL)) == {
        Tier.TEKUN: 6,
        Tier.DIBAO: 36,
        Tier.MARGINAL: 9,
        Tier.EXPENDITURE: 5,
        Tier.NONE: 4,
    }


def test_it_loads_the_requested_households_each_showing_its_strongest_status(registry):
    households = Household.objects.filter(region__path__startswith="53/5304/530428/")
    assert households.count() == registry["households"] == SMALL
    assert set(households.values_list("tier", flat=True)) == set(Tier.values)
    for household in households.prefetch_related("members"):
        statuses = [member.personal_status for member in household.members.all()]
        assert household.tier == strongest(household.household_tier, statuses)
    # 特困 is a person's status: the household of 特困 people alone holds none of its own.
    tekun = Member.objects.filter(personal_status=PersonalStatus.TEKUN)
    assert tekun.exists()
    for member in tekun.select_related("household"):
        if not member.household.members.exclude(personal_status=PersonalStatus.TEKUN).exists():
            assert member.household.household_tier == Tier.NONE
    # 单人纳保 only in 低保边缘 and 支出型 households.
    single = Member.objects.filter(personal_status=PersonalStatus.SINGLE_DIBAO)
    tiers = set(single.values_list("household__household_tier", flat=True))
    assert tiers <= {Tier.MARGINAL, Tier.EXPENDITURE}
    # Urban communities, rural villages; assets known for a share; some earners employed.
    for household in households.select_related("region"):
        urban = household.region.code[-3] == "0"
        assert household.residence == (Residence.URBAN if urban else Residence.RURAL)
    assert households.filter(residence=Residence.URBAN).exists()
    assert 0 < households.exclude(financial_assets=None).count() < SMALL
    assert Member.objects.filter(is_employed=True, monthly_income__gt=0).exists()
    assert not Member.objects.filter(is_employed=True, monthly_income=0).exists()


def test_the_registry_has_decisions_in_its_history(registry):
    decisions = StatusDecision.objects.all()
    states = Counter(decisions.values_list("state", flat=True))
    assert set(states) == set(StatusDecision.State.values)
    confirmed = decisions.filter(state=StatusDecision.State.CONFIRMED)
    assert not confirmed.filter(reference="").exists()
    assert not confirmed.filter(decided_at__date__gt=AS_OF).exists()
    assert not decisions.filter(state="rejected", rejection_reason="").exists()
    # Exits with their reasons; a 渐退期 still running for households whose income rose.
    exits = confirmed.filter(kind=StatusDecision.Kind.EXIT)
    assert exits.exists() and not exits.filter(exit_reason="").exists()
    gradual = Household.objects.filter(gradual_exit_until__gt=AS_OF)
    assert gradual.exists()
    assert set(gradual.values_list("tier", flat=True)) == {Tier.DIBAO}
    for household in Household.objects.filter(status=Household.Status.EXITED):
        assert household.tier == Tier.NONE and household.exit_reason and household.exited_on
        assert not household.needs.filter(status=Need.Status.OPEN).exists()


def test_incomes_sit_where_each_tier_says_against_the_urban_or_rural_standard(registry):
    policy = Policy(Region.objects.get(code="530428"), 2026)
    standards = {Residence.URBAN: dibao_standard(policy), Residence.RURAL: Decimal("610")}
    assert standards[Residence.URBAN] == Decimal("790")
    assert policy["dibao_standard_rural_monthly"] == standards[Residence.RURAL]
    per_person = {
        household: household.monthly_income_per_person()
        for household in Household.objects.prefetch_related("members")
    }

    def below(household) -> bool:
        return per_person[household] < standards[household.residence]

    dibao = [h for h in per_person if h.household_tier == Tier.DIBAO]
    assert sum(below(h) for h in dibao) >= 0.85 * len(dibao)
    tekun_alone = [h for h in per_person if h.tier == Tier.TEKUN and h.household_tier == "none"]
    assert tekun_alone and all(below(h) for h in tekun_alone)
    marginal = [h for h in per_person if h.household_tier == Tier.MARGINAL]
    assert marginal and not any(below(h) for h in marginal)
    # Rural households sit under the rural standard: some of them are above it and below the
    # urban one, which only two standards tell apart.
    rural_marginal = [h for h in marginal if h.residence == Residence.RURAL]
    assert any(per_person[h] < standards[Residence.URBAN] for h in rural_marginal)
    assert all(isinstance(income, Decimal) for income in per_person.values())


def test_priorities_are_the_registry_services_own(registry):
    needs = Need.objects.open()
    assert needs.exists() and not needs.filter(priority=0).exists()
    before = dict(needs.values_list("pk", "priority"))
    needs_reprioritise(needs=needs, today=AS_OF)
    assert dict(needs.values_list("pk", "priority")) == before
    assert Need.objects.filter(status__in=[Need.Status.MET, Need.Status.WITHDRAWN]).exists()


@pytest.mark.long
def test_two_loads_into_fresh_databases_give_the_same_county(settings, tmp_path):
    digests, features = [], []
    # The same county whatever language the loading code runs in.
    for number, (seed, language) in enumerate(((2026, "en"), (2026, "zh-hans"), (7, "en"))):
        # A fresh installation: no trained model left from the load before.
        settings.VAR_DIR = tmp_path / f"install-{number}"
        try:
            with transaction.atomic(), translation.override(language):
                output = load(seed=seed)
                assert gettext("households") in output
                digests.append(demo_digest())
                features.append(feature_rows())
                raise Rollback
        except Rollback:
            pass
        assert not Household.objects.exists() and not Project.objects.exists()
        assert not Referral.objects.exists() and not Flag.objects.exists()
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]
    # The digest reaches the features: each of them is there to compare, and another seed
    # refers other needs.
    keys = ("projects", "referrals", "offers", "warnings", "decisions", "grants")
    assert all(features[0][key] for key in keys)
    assert features[0]["engine"][1]
    assert features[2]["referrals"] != features[0]["referrals"]
