"""A county with a bureau, a station, and households made through the ordinary services: members
with ID numbers, a visit with a need, a referral of it, an audited reveal of an ID number and a
public help request."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.referrals import services as referrals
from bangfu.referrals.models import HelpRequest, IntakeCase, Referral
from bangfu.referrals.public_intake import public_help_request_submit
from bangfu.referrals.services import help_requests as triage
from bangfu.registry.models import Household, Member, Need
from bangfu.registry.services import assessment_create, member_identity_reveal
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    ServiceCategoryFactory,
    StationFactory,
    UserFactory,
    make_id_number,
    member_of,
    region_chain,
)

Role = Membership.Role


@dataclass
class Story:
    """One household as the services left it."""

    household: Household
    head: Member
    child: Member
    need: Need
    referral: Referral


def household_story(place, *, number: str, seq: int, by, station) -> Story:
    """A household of two with a visit, a need, a referral to ``station`` and the head's ID
    number revealed once (an audit entry)."""
    household = HouseholdFactory(
        region=place.village,
        registry_number=number,
        address=f"幸福路{seq}号",
        phone=f"1380013{seq:04d}",
        latitude="23.600100",
        longitude="102.000100",
    )
    head = MemberFactory(
        household=household,
        name=f"欧阳{'一二三四五六七八九十'[seq % 10]}明",
        id_number=make_id_number(seq=seq, birth=dt.date(1961, 7, 9)),
        illness=Member.Illness.CHRONIC,
        illness_note="高血压，每月复查",
    )
    child = MemberFactory(
        household=household,
        name=f"欧阳小{'一二三四五六七八九十'[seq % 10]}",
        relation=Member.Relation.CHILD,
        id_number=make_id_number(seq=seq + 1, birth=dt.date(2012, 3, 4), male=False),
    )
    assessment_create(
        household=household,
        by=by,
        assessed_on=timezone.localdate(),
        summary="老人独居，需要照料",
        needs=[{"category": ServiceCategoryFactory(), "severity": 4, "notes": "每周两次上门"}],
    )
    need = household.needs.get()
    intake = referrals.intake_open(
        by=by, source=IntakeCase.Source.VISIT, need=need, candidate_count=1
    )
    referral = referrals.referral_send(
        intake=intake, provider_id=station.provider_id, by=by, note_to_provider="请先电话联系"
    )
    member_identity_reveal(member=head, by=by)
    return Story(household, head, child, need, referral)


def help_request(place, *, by, at: dt.datetime, phone: str = "13900139000") -> HelpRequest:
    """A help request from the public form at ``at``, closed by the desk then as referred
    elsewhere."""
    code = public_help_request_submit(
        name="路人甲",
        phone=phone,
        township=place.town,
        village=place.village,
        description="家里老人生病，需要帮助",
        consent=True,
        at=at,
    )
    help_request = HelpRequest.objects.get(code=code.replace("-", ""))
    triage.help_request_acknowledge(help_request=help_request, by=by, at=at)
    return triage.help_request_close(
        help_request=help_request,
        by=by,
        reason=HelpRequest.CloseReason.OTHER_DEPARTMENT,
        department=HelpRequest.Department.MEDICAL_INSURANCE,
        details="已转医保局，联系人王某",
        at=at,
    )


@dataclass
class Place:
    county: object
    town: object
    village: object
    staff: object
    manager: object
    auditor: object
    station: object


def make_place(prefix: str, township: str, village: str, *, label: str) -> Place:
    *_above, county, town, village_region = region_chain(prefix, township, village)
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name=f"{label}民政局", region=county
    )
    users = {}
    for role in (Role.BUREAU_STAFF, Role.BUREAU_MANAGER, Role.AUDITOR):
        users[role] = UserFactory(username=f"{label}_{role}")
        member_of(users[role], bureau, role)
    station = StationFactory(
        organisation__region=town, service_area=[town], categories=[ServiceCategoryFactory()]
    )
    return Place(
        county=county,
        town=town,
        village=village_region,
        staff=users[Role.BUREAU_STAFF],
        manager=users[Role.BUREAU_MANAGER],
        auditor=users[Role.AUDITOR],
        station=station,
    )


@pytest.fixture
def place(db) -> Place:
    return make_place("530428", "101", "201", label="a")


@pytest.fixture
def other_place(db) -> Place:
    return make_place("350502", "001", "001", label="b")


def admin_with_duty(place: Place, role: str, username: str):
    """One of the three administrators, in the county's bureau."""
    user = UserFactory(username=username)
    bureau = Organisation.objects.get(kind=Organisation.Kind.BUREAU, region=place.county)
    member_of(user, bureau, role)
    return user


def exit_household(household: Household, *, on: dt.date) -> None:
    """The household as an exit decision leaves it (the decision's own path is the registry's
    tests' subject)."""
    Household.objects.filter(pk=household.pk).update(
        status=Household.Status.EXITED, exited_on=on, exit_reason="income_above"
    )
