"""The demo on a fresh database: the registry as the households step plans it, and the same
seed giving the same county, features included."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from bangfu.demo.builder import DemoOptions, demo_build
from bangfu.demo.steps import STEPS
from bangfu.discovery.models import Flag
from bangfu.procurement.models import Project
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.models import Household, Need, Tier
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
    "assessments",
    "priorities",
)


class Rollback(Exception):
    pass


@pytest.fixture
def registry():
    """The registry as planned and prioritised: the feature steps move on from there (needs
    are met by referrals, finding people enrols some households into 低保)."""
    steps = [step for step in STEPS if step.name in REGISTRY_STEPS]
    result = demo_build(options=DemoOptions(households=SMALL, as_of=AS_OF), steps=steps)
    return result.counts


def test_it_loads_the_requested_households_with_the_county_tier_mix(registry):
    households = Household.objects.filter(region__path__startswith="53/5304/530428/")
    assert households.count() == registry["households"] == SMALL
    # 10% 特困, 60% 低保, 15% 边缘, 8% 支出型, 7% 临时 of 60 households.
    assert Counter(households.values_list("tier", flat=True)) == {
        Tier.TEKUN: 6,
        Tier.DIBAO: 36,
        Tier.MARGINAL: 9,
        Tier.EXPENDITURE: 5,
        Tier.TEMPORARY: 4,
    }


def test_incomes_sit_where_each_tier_says(registry):
    standard = dibao_standard(Policy(Region.objects.get(code="530428"), 2026))
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


def test_priorities_are_the_registry_services_own(registry):
    needs = Need.objects.open()
    assert needs.exists() and not needs.filter(priority=0).exists()
    before = dict(needs.values_list("pk", "priority"))
    needs_reprioritise(needs=needs, today=AS_OF)
    assert dict(needs.values_list("pk", "priority")) == before
    assert Need.objects.filter(status__in=[Need.Status.MET, Need.Status.WITHDRAWN]).exists()


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
    assert all(features[0][key] for key in ("projects", "referrals", "offers", "warnings"))
    assert features[0]["engine"][1]
    assert features[2]["referrals"] != features[0]["referrals"]
