"""The main navigation offers each role exactly the sections it may open: every link of every
role answers, and a section a role may not open is not offered to it."""

import pytest
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from tests.factories import (
    OrganisationFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    charity_with_staff,
    member_of,
)

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def users(county_a):
    """A user of county A in every role, each with the rows their work needs."""
    county, town, village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=county)
    station = StationFactory(organisation__region=town)
    made = {}
    for role, organisation in [
        (Role.BUREAU_STAFF, bureau),
        (Role.BUREAU_MANAGER, bureau),
        (Role.AUDITOR, bureau),
        (Role.ASSISTANT, bureau),
        (Role.STATION_STAFF, station.organisation),
        (Role.AGENCY_STAFF, agency),
    ]:
        made[role] = UserFactory(username=f"nav_{role}")
        member_of(made[role], organisation, role, villages=[village] * (role == Role.ASSISTANT))
    made[Role.VOLUNTEER] = VolunteerFactory(home_region=village).user
    made[Role.CHARITY_STAFF] = charity_with_staff(county)[1]
    made["superuser"] = UserFactory(username="nav_root", is_staff=True, is_superuser=True)
    return made


def links_of(client, user) -> dict[str, str]:
    """The user's navigation: url -> label."""
    client.force_login(user)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    return {item["url"]: str(item["label"]) for item in response.context["navigation"]}


def test_every_link_of_every_role_opens(client, users):
    for role, user in users.items():
        for url, label in links_of(client, user).items():
            response = client.get(url, follow=True)
            assert response.status_code == 200, (role, label, url, response.status_code)


def test_each_role_is_offered_its_own_sections(client, users):
    offered = {role: set(links_of(client, user)) for role, user in users.items()}
    staff_sections = {
        "registry:household-list",
        "registry:grant-list",
        "registry:decision-list",
        "referrals:intake-list",
        "referrals:help-list",
        "providers:list",
        "procurement:dashboard",
        "matching_runs:run-list",
        "offers:list",
        "discovery:dashboard",
        "regions:policy",
        "privacy:record",
    }
    assert offered[Role.BUREAU_STAFF] == {reverse(name) for name in staff_sections}
    assert offered[Role.VOLUNTEER] == {reverse("portal:inbox"), reverse("providers:profile")}
    assert offered[Role.STATION_STAFF] == {reverse("portal:inbox")}
    assert offered[Role.CHARITY_STAFF] == {reverse("charity:home")}
    assert reverse("admin:index") in offered["superuser"]
    assert reverse("admin:index") not in offered[Role.BUREAU_MANAGER]


def test_a_section_left_out_of_a_roles_navigation_would_refuse_it(client, users):
    # Control: hiding matters, the volunteer may not open what they are not offered.
    client.force_login(users[Role.VOLUNTEER])
    for name in ("procurement:dashboard", "offers:list", "providers:list"):
        assert client.get(reverse(name)).status_code == 403, name
