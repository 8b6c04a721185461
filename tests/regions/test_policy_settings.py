"""The policy settings page: a bureau manager reads and sets the policy of their region and year,
staff and auditors read it, nobody else does; every change is audited and shown old → new."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery.rules import RULES
from bangfu.regions.models import PolicyValue
from bangfu.regions.policy import PARAMETERS, Policy
from bangfu.regions.services import policy_value_set
from bangfu.registry.priority import PRIORITY_WEIGHTS
from tests.factories import OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db
Role = Membership.Role
YEAR = 2026
WAGE = "minimum_wage_monthly"


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(user)
    return client


def bureau_user(region, role, name):
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region)
    user = UserFactory(username=name, display_name=name)
    member_of(user, bureau, role)
    return user


@pytest.fixture
def manager(county_a):
    return bureau_user(county_a[0], Role.BUREAU_MANAGER, "李局长")


@pytest.fixture
def staff(county_a):
    return bureau_user(county_a[0], Role.BUREAU_STAFF, "王科员")


def page(county, key=None, year=YEAR) -> str:
    if key is None:
        return reverse("regions:policy-region", args=[county.code, year])
    return reverse("regions:policy-parameter", args=[county.code, year, key])


def own_values(county, key):
    return list(PolicyValue.objects.filter(region=county, key=key).values_list("year", "value"))


def test_a_manager_sets_the_minimum_wage_and_it_is_in_force_below(county_a, manager):
    county, _town, village = county_a
    response = browser(manager).post(
        page(county, WAGE), {"value": "1750", "source": "云人社发〔2025〕12号"}, follow=True
    )
    assert response.status_code == 200
    assert Policy(village, YEAR)[WAGE] == Decimal("1750")
    assert Policy(village, YEAR - 1).get(WAGE) is None  # from the year chosen on
    overview = browser(manager).get(page(county)).content.decode()
    assert "1,750.00" in overview
    assert "this region, from 2026" in overview
    assert "云人社发〔2025〕12号" in overview


def test_the_page_says_where_an_inherited_value_comes_from(county_a, staff):
    county, _town, _village = county_a
    city = county.parent
    PolicyValue.objects.create(
        key="procurement_cap_county_pct", region=city, year=2024, value="5", source="玉溪 003"
    )
    response = browser(staff).get(page(county))
    assert response.status_code == 200
    rows = {row.key: row for _topic, rows in response.context["groups"] for row in rows}
    assert rows["procurement_cap_county_pct"].origin == f"inherited from {city.name}, from 2024"
    assert rows["procurement_cap_county_pct"].shown == "5"
    assert rows["procurement_cap_county_pct"].setting.source == "玉溪 003"
    assert rows["tekun_basic_pct_of_dibao"].origin == "national default, from 2016"
    assert "002: 130% of the local dibao standard" in response.content.decode()
    # Each app's parameters under the app's name; labels, units and ranges shown.
    topic_of = {row.key: topic for topic, rows in response.context["groups"] for row in rows}
    with translation.override("en"):
        for key, app in [
            ("procurement_cap_county_pct", "procurement"),
            ("priority_weights", "registry"),
        ]:
            assert topic_of[key] == str(apps.get_app_config(app).verbose_name)
    assert rows["procurement_cap_county_pct"].allowed == "0–100"
    assert rows["visit_interval_months"].parameter.unit == "months"


def test_an_out_of_range_value_is_refused_on_its_field_and_nothing_is_saved(county_a, manager):
    county = county_a[0]
    response = browser(manager).post(
        page(county, "procurement_cap_county_pct"), {"value": "120", "source": "笔误"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["value"] == ["120 is out of range (0-100)"]
    assert own_values(county, "procurement_cap_county_pct") == []
    # Positive control: a value in range is saved.
    browser(manager).post(
        page(county, "procurement_cap_county_pct"), {"value": "5", "source": "元江 003 第17条"}
    )
    assert own_values(county, "procurement_cap_county_pct") == [(YEAR, "5")]


def test_a_value_needs_its_source(county_a, manager):
    county = county_a[0]
    response = browser(manager).post(page(county, WAGE), {"value": "1750", "source": ""})
    assert "source" in response.context["form"].errors
    assert own_values(county, WAGE) == []


def test_weights_are_edited_name_by_name_and_a_bad_one_is_named(county_a, manager):
    county = county_a[0]
    weights = {name: "1" for name in PRIORITY_WEIGHTS}
    response = browser(manager).get(page(county, "priority_weights"))
    form_fields = set(response.context["form"].fields)
    assert form_fields == {*PRIORITY_WEIGHTS, "source"}
    assert response.context["form"].initial["tier.tekun"] == Decimal("40")

    bad = {**weights, "urgency.emergency": "很高", "source": "县局会议纪要"}
    response = browser(manager).post(page(county, "priority_weights"), bad)
    assert list(response.context["form"].errors) == ["urgency.emergency"]
    negative = {**weights, "living_alone": "-3", "source": "县局会议纪要"}
    response = browser(manager).post(page(county, "priority_weights"), negative)
    assert response.context["form"].errors["living_alone"] == ["-3 is out of range (at least 0)"]
    assert own_values(county, "priority_weights") == []

    good = {**weights, "urgency.emergency": "50", "source": "县局会议纪要"}
    browser(manager).post(page(county, "priority_weights"), good)
    in_force = Policy(county_a[2], YEAR)["priority_weights"]
    assert in_force["urgency"]["emergency"] == Decimal("50")
    assert in_force["tier"]["tekun"] == Decimal("1")


def test_a_misspelt_weight_is_an_error_not_a_silent_zero(county_a, manager, in_english):
    county = county_a[0]
    weights = dict(Policy(county, YEAR).setting("discovery_rule_weights").value)
    misspelt = {**weights, "medical_out_of_pokcet": weights.pop("medical_out_of_pocket")}
    with pytest.raises(ValidationError) as refused:
        policy_value_set(
            region=county,
            year=YEAR,
            key="discovery_rule_weights",
            value=misspelt,
            source="会议纪要",
            by=manager,
        )
    assert list(refused.value.error_dict) == ["medical_out_of_pokcet"]
    assert "medical_out_of_pokcet is not a weight the scoring reads" in str(refused.value)
    assert own_values(county, "discovery_rule_weights") == []
    # The same refusal in the admin, where weights are typed as JSON.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = browser(root).post(
        reverse("admin:regions_policyvalue_add"),
        {
            "key": "priority_weights",
            "region": county.pk,
            "year": YEAR,
            "value": '{"tier": {"tekun": 40}, "severe_disabilty": 25}',
            "source": "x",
        },
    )
    assert response.status_code == 200
    assert "severe_disabilty is not a weight the scoring reads" in response.content.decode()
    assert own_values(county, "priority_weights") == []
    # The names are the rules a scan runs: a new rule cannot go unweighed.
    assert set(PARAMETERS["discovery_rule_weights"].names) == set(RULES)


def test_staff_and_auditors_read_but_only_the_regions_manager_sets(county_a, staff):
    county = county_a[0]
    auditor = bureau_user(county, Role.AUDITOR, "审计员")
    for reader in (staff, auditor):
        response = browser(reader).get(page(county, WAGE))
        assert response.status_code == 200
        assert response.context["form"] is None
        response = browser(reader).post(page(county, WAGE), {"value": "9999", "source": "x"})
        assert response.status_code == 403
    PolicyValue.objects.create(key=WAGE, region=county, year=YEAR, value="1750", source="文件")
    revert = reverse("regions:policy-revert", args=[county.code, YEAR, WAGE])
    assert browser(staff).post(revert).status_code == 403
    assert own_values(county, WAGE) == [(YEAR, "1750")]


def test_another_countys_bureau_can_neither_read_nor_set(county_a, county_b, manager):
    county = county_a[0]
    outsider = bureau_user(county_b[0], Role.BUREAU_MANAGER, "外县局长")
    client = browser(outsider)
    assert client.get(page(county)).status_code == 404
    assert client.get(page(county, WAGE)).status_code == 404
    assert client.post(page(county, WAGE), {"value": "1", "source": "x"}).status_code == 404
    revert = reverse("regions:policy-revert", args=[county.code, YEAR, WAGE])
    assert client.post(revert).status_code == 404
    assert own_values(county, WAGE) == []
    # Positive controls: the outsider manages their own county; county A's manager theirs.
    assert client.get(page(county_b[0])).status_code == 200
    assert browser(manager).get(page(county)).status_code == 200


def test_people_outside_the_bureaus_get_403_and_no_menu_entry(county_a, manager):
    county = county_a[0]
    assistant = bureau_user(county, Role.ASSISTANT, "协理员")
    client = browser(assistant)
    assert client.get(reverse("regions:policy")).status_code == 403
    assert client.get(page(county)).status_code == 403
    menu = client.get(reverse("home"), follow=True).context["navigation"]
    assert reverse("regions:policy") not in [item["url"] for item in menu]
    # Positive control: the manager is offered the page, and it leads to their county.
    menu = browser(manager).get(reverse("home"), follow=True).context["navigation"]
    assert reverse("regions:policy") in [item["url"] for item in menu]
    response = browser(manager).get(reverse("regions:policy"))
    assert response.url == page(county, year=timezone.localdate().year)


def test_the_history_shows_who_changed_what_from_and_to(county_a, manager):
    county = county_a[0]
    client = browser(manager)
    client.post(page(county, WAGE, year=2025), {"value": "1700", "source": "2025年文件"})
    client.post(page(county, WAGE), {"value": "1750", "source": "2026年文件"})
    client.post(page(county, WAGE), {"value": "1800", "source": "2026年更正"})
    history = client.get(page(county, WAGE)).context["history"]
    assert [(c.who, c.year, c.what, c.old, c.new, c.source) for c in history] == [
        ("李局长", 2026, "changed", "1,750.00", "1,800.00", "2026年更正"),
        ("李局长", 2026, "set", "1,700.00 (this region, from 2025)", "1,750.00", "2026年文件"),
        ("李局长", 2025, "set", "not set", "1,700.00", "2025年文件"),
    ]


def test_revert_brings_the_inherited_value_back_and_is_in_the_history(county_a, manager):
    county, _town, village = county_a
    client = browser(manager)
    client.post(page(county, "procurement_cap_county_pct"), {"value": "5", "source": "003"})
    assert Policy(village, YEAR)["procurement_cap_county_pct"] == Decimal("5")
    revert = reverse(
        "regions:policy-revert", args=[county.code, YEAR, "procurement_cap_county_pct"]
    )
    response = client.post(revert, follow=True)
    assert response.status_code == 200
    assert Policy(village, YEAR)["procurement_cap_county_pct"] == Decimal("4")
    assert own_values(county, "procurement_cap_county_pct") == []
    latest = response.context["history"][0]
    assert (latest.what, latest.old, latest.new) == (
        "reverted",
        "5",
        "4 (national default, from 2016)",
    )
    # Nothing of its own left to revert: refused with a message, nothing changes.
    response = client.post(revert, follow=True)
    assert "no value of its own" in response.content.decode()


def test_a_national_default_changed_in_the_admin_is_audited_too():
    default = PolicyValue.objects.get(key="procurement_cap_city_pct", region=None)
    default.value = "4.5"
    default.save()
    entry = LogEntry.objects.get_for_object(default).get()
    assert entry.changes_dict["value"] == ['"5"', '"4.5"']  # the JSON values
    assert entry.additional_data["inherited"] is None
