"""A township with a desk, an assistant, two stations and a volunteer, and a household's need.

The matching engine is replaced by ``engine`` in most tests: it returns the candidates a test
sets, shaped like the engine's ``RankedProvider``, leaving out those the referral app asks to
exclude. ``test_engine.py`` shows the real engine's output on the intake page.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import translation

from bangfu.accounts.models import Membership, Organisation
from bangfu.providers.models import Station
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase
from bangfu.registry.models import Need, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    member_of,
    region_chain,
)

Role = Membership.Role


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); pages default to Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def place(db):
    """County 530428, township 101 with village 201, and a second township 102 (village 202)."""
    *_above, county, town, village = region_chain("530428", "101", "201")
    other_town = RegionFactory(code="530428102", name="镇102", level=town.level, parent=county)
    other_village = RegionFactory(
        code="530428102202", name="村202", level=village.level, parent=other_town
    )
    return {
        "county": county,
        "town": town,
        "village": village,
        "other_town": other_town,
        "other_village": other_village,
    }


@pytest.fixture
def desk(place):
    """Township civil-affairs staff: the intake desk of township 101."""
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="镇101民政办", region=place["town"]
    )
    user = UserFactory(username="desk", email="desk@example.org")
    member_of(user, bureau, Role.BUREAU_STAFF)
    return user


@pytest.fixture
def county_staff(place):
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="元江县民政局", region=place["county"]
    )
    user = UserFactory(username="county")
    member_of(user, bureau, Role.BUREAU_STAFF)
    return user


@pytest.fixture
def assistant(place):
    committee = OrganisationFactory(
        kind=Organisation.Kind.VILLAGE_COMMITTEE, name="村201村委会", region=place["village"]
    )
    user = UserFactory(username="assistant")
    member_of(user, committee, Role.ASSISTANT, villages=[place["village"]])
    return user


def _station_with_staff(town, username: str, capacity: int):
    station = StationFactory(
        organisation__region=town, organisation__name=f"{town.name}社工站", capacity=capacity
    )
    user = UserFactory(username=username, email=f"{username}@example.org")
    member_of(user, station.organisation, Role.STATION_STAFF)
    station.staff = user
    return station


@pytest.fixture
def station(place):
    """The township's station, capacity 2, with one staff member (``station.staff``)."""
    return _station_with_staff(place["town"], "station_staff", capacity=2)


@pytest.fixture
def other_station(place):
    return _station_with_staff(place["other_town"], "other_station_staff", capacity=2)


@pytest.fixture
def volunteer(place):
    return VolunteerFactory(
        user=UserFactory(username="volunteer", email="volunteer@example.org"),
        home_region=place["village"],
        capacity=1,
    )


@pytest.fixture
def household(place):
    household = HouseholdFactory(
        region=place["village"],
        registry_number="530428-0042",
        address="村201 幸福路8号",
        phone="13800001111",
        tier=Tier.TEKUN,
    )
    MemberFactory(household=household, name="欧阳晓明", monthly_income="321.45")
    return household


@pytest.fixture
def need(household):
    return NeedFactory(household=household, opened_on=dt.date(2026, 10, 1), preferred_times="上午")


@dataclass(frozen=True)
class RankedProvider:
    """The shape of ``bangfu.matching_runs.ranking.RankedProvider``."""

    kind: str
    provider_id: int
    name: str
    score: float
    components: dict[str, float]
    distance_km: float | None


def ranked(provider, score: float = 0.8) -> RankedProvider:
    """A station or volunteer as the engine ranks it: by its provider's pk."""
    kind = "station" if isinstance(provider, Station) else "volunteer"
    return RankedProvider(
        kind=kind,
        provider_id=provider.provider_id,
        name=str(provider),
        score=score,
        components={
            "distance": 0.9,
            "skills": 1.0,
            "quality": 0.6,
            "continuity": 0.0,
            "capacity": 0.5,
            "success": 0.7,
        },
        distance_km=3.2,
    )


class FakeEngine:
    """Stands in for the registered ranker: the candidates set by the test, minus the excluded
    providers."""

    def __init__(self):
        self.candidates: list[RankedProvider] = []
        self.calls: list[dict] = []

    def __call__(self, *, need, k=10, exclude=(), today=None):
        excluded = set(exclude)
        self.calls.append({"need": need.pk, "exclude": excluded})
        return [c for c in self.candidates if c.provider_id not in excluded][:k]


@pytest.fixture
def engine(monkeypatch, station, other_station, volunteer):
    fake = FakeEngine()
    fake.candidates = [ranked(station, 0.9), ranked(other_station, 0.7), ranked(volunteer, 0.5)]
    monkeypatch.setattr("bangfu.referrals.ranking.rank_need", fake)
    return fake


@pytest.fixture
def intake(engine, desk, need) -> IntakeCase:
    return services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)


@pytest.fixture
def referral(intake, desk, station):
    return services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)


@pytest.fixture
def accepted(referral, station):
    return services.referral_accept(referral=referral, by=station.staff)


def need_status(need) -> str:
    return Need.objects.get(pk=need.pk).status
