"""The discovery dashboard from the rolled-up tallies: each place one level below the user's
area counts the warnings of its villages as counted live, the warnings above villages (across
areas) count for the rules and in no place."""

import datetime as dt

import pytest
from django.core.management import call_command

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery import selectors
from bangfu.discovery.models import Flag, Rule
from tests.discovery.conftest import TODAY
from tests.factories import (
    HouseholdFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
)

pytestmark = pytest.mark.postgres


def _bureau_of(region, username):
    user = UserFactory(username=username)
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region)
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


def _warn(region, key, rule=Rule.MEDICAL, *, home=None):
    Flag.objects.create(
        rule=rule,
        key=key,
        region=region,
        household=home or HouseholdFactory(region=region),
        fired_on=dt.date(2026, 11, 1),
    )


@pytest.fixture
def spread(place):
    """Warnings in county 530428's three villages, a village of another county of the same
    city and one of another city; a duplicate registration at county 530428 itself."""
    *_, same_city = region_chain("530402", "001", "001")
    province, *_, other_city = region_chain("532301", "001", "001")
    for n, village in enumerate(
        [place["village"], place["village"], place["village_b"], place["other_village"]]
    ):
        _warn(village, f"a{n}", Rule.MEDICAL if n % 2 else Rule.DIBAO_REVIEW_DUE)
    _warn(same_city, "b", Rule.MONITORING)
    _warn(other_city, "c")
    home = HouseholdFactory(region=place["village"])
    _warn(place["county"], "above", Rule.DUPLICATE_REGISTRATION, home=home)
    assistant = UserFactory(username="two_villages")
    committee = OrganisationFactory(
        kind=Organisation.Kind.VILLAGE_COMMITTEE, region=place["other_village"]
    )
    member_of(
        assistant,
        committee,
        Membership.Role.ASSISTANT,
        villages=[place["village"], place["other_village"]],
    )
    return {
        "province": _bureau_of(province, "province"),
        "city": _bureau_of(place["county"].parent, "city"),
        "county": _bureau_of(place["county"], "county"),
        "township": _bureau_of(place["town"], "township"),
        "two_villages": assistant,
        "superuser": UserFactory(username="root", is_superuser=True),
    }


def _board(user):
    places, as_of = selectors.place_counts(user, selectors.breakdown_for(user), today=TODAY)
    return (
        [(row.place.code, row.found) for row in places],
        selectors.rule_counts(user),
        as_of,
    )


@pytest.mark.parametrize(
    "who", ["province", "city", "county", "township", "two_villages", "superuser"]
)
def test_the_places_and_rules_from_the_tallies_are_the_live_ones(spread, who):
    user = spread[who]
    live_places, live_rules, live_as_of = _board(user)

    call_command("refresh_tallies")
    places, rules, as_of = _board(user)

    assert live_as_of is None and as_of is not None
    assert places == live_places and rules == live_rules
    assert places  # every user's area holds warnings in a place


def test_a_warning_above_villages_counts_for_its_rule_in_no_place(spread):
    call_command("refresh_tallies")
    places, rules, _as_of = _board(spread["province"])

    # 6 warnings in villages of two cities; the county's duplicate registration in none
    assert places == [("5304", 5), ("5323", 1)]
    found = {rule: n for rule, _label, n, _enrolled in rules}
    assert found[Rule.DUPLICATE_REGISTRATION] == 1
    assert sum(found.values()) == 7


def test_a_warning_in_no_region_leaves_the_refresh_whole(spread, place):
    # a duplicate registration across provinces sits in no region
    _warn(
        None, "nowhere", Rule.DUPLICATE_REGISTRATION, home=HouseholdFactory(region=place["village"])
    )

    call_command("refresh_tallies")

    places, _rules, as_of = _board(spread["province"])
    assert as_of is not None and places == [("5304", 5), ("5323", 1)]
