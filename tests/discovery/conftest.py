"""A county with two townships, its bureau and assistants, people in the registry, and a way to
write the departments' files by hand.

Today is 20 November 2026 in every test here. The county's minimum wage is 1,760 yuan and the
dibao standard 45% of it (792 yuan); every other parameter is the national default.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import translation

from bangfu.accounts.models import Membership, Organisation
from bangfu.regions.models import PolicyValue, Region
from bangfu.registry.coverage import refresh_tier
from bangfu.registry.models import Member, PersonalStatus, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    make_id_number,
    member_of,
    region_chain,
)

TODAY = dt.date(2026, 11, 20)
Role = Membership.Role


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(settings):
    """Pages in English, as the assertions read them: the language switch's cookie (the
    browser's Accept-Language is ignored, Chinese comes first)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def place(db):
    """County 530428: township 101 (villages 201 and 202) and township 102 (village 203)."""
    *_above, county, town, village = region_chain("530428", "101", "201")
    village_b = RegionFactory(
        code="530428101202", name="村202", level=Region.Level.VILLAGE, parent=town
    )
    other_town = RegionFactory(
        code="530428102", name="镇102", level=Region.Level.TOWNSHIP, parent=county
    )
    other_village = RegionFactory(
        code="530428102203", name="村203", level=Region.Level.VILLAGE, parent=other_town
    )
    PolicyValue.objects.create(key="minimum_wage_monthly", region=county, year=2020, value="1760")
    return {
        "county": county,
        "town": town,
        "village": village,
        "village_b": village_b,
        "other_town": other_town,
        "other_village": other_village,
    }


@pytest.fixture
def bureau(place):
    org = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="元江县民政局", region=place["county"]
    )
    user = UserFactory(username="bureau")
    member_of(user, org, Role.BUREAU_STAFF)
    return user


@pytest.fixture
def station_org(place):
    return OrganisationFactory(
        kind=Organisation.Kind.STATION, name="镇101社工站", region=place["town"]
    )


@pytest.fixture
def assistant(place, station_org):
    """The assistant of villages 201 and 202."""
    user = UserFactory(username="assistant")
    member_of(user, station_org, Role.ASSISTANT, villages=[place["village"], place["village_b"]])
    return user


@pytest.fixture
def other_assistant(place):
    org = OrganisationFactory(
        kind=Organisation.Kind.STATION, name="镇102社工站", region=place["other_town"]
    )
    user = UserFactory(username="other_assistant")
    member_of(user, org, Role.ASSISTANT, villages=[place["other_village"]])
    return user


@pytest.fixture
def outsiders(place, station_org):
    """Station staff, a volunteer and charity staff of the county: nothing here is theirs."""
    charity = OrganisationFactory(kind=Organisation.Kind.CHARITY, region=place["county"])
    users = []
    for role, org in [
        (Role.STATION_STAFF, station_org),
        (Role.VOLUNTEER, station_org),
        (Role.CHARITY_STAFF, charity),
    ]:
        user = UserFactory(username=f"outsider_{role}")
        member_of(user, org, role)
        users.append(user)
    return users


_sequence = iter(range(100, 10_000))


def person_id(birth: dt.date = dt.date(1970, 3, 4), *, male: bool = True) -> str:
    return make_id_number(birth=birth, seq=next(_sequence), male=male)


def household(village, *, tier=Tier.NONE, members=1, income="0.00", **fields):
    """A household whose members (given as dicts of Member fields) live in ``village``.

    ``tier`` is the household's own status, except 特困: every member is then 特困 (give
    ``personal_status`` per member for anything finer); the stored tier is the strongest."""
    home = HouseholdFactory(region=village, tier=tier, **fields)
    specs = members if isinstance(members, list) else [{} for _ in range(members)]
    people = []
    for index, spec in enumerate(specs):
        spec = dict(spec)
        birth = spec.pop("birth", dt.date(1970, 3, 4))
        relation = Member.Relation.HEAD if index == 0 else Member.Relation.CHILD
        if tier == Tier.TEKUN:
            spec.setdefault("personal_status", PersonalStatus.TEKUN)
        people.append(
            MemberFactory(
                household=home,
                relation=spec.pop("relation", relation),
                id_number=spec.pop("id_number", person_id(birth)),
                monthly_income=Decimal(spec.pop("income", income)),
                **spec,
            )
        )
    refresh_tier(home)
    return home, people


def csv_upload(headers: list[str], rows: list[list], *, encoding="utf-8") -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    upload = io.BytesIO(text.getvalue().encode(encoding))
    upload.name = "file.csv"
    return upload


def xlsx_upload(headers: list[str], rows: list[list], *, title: str | None = None) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "file.xlsx"
    return upload


MEDICAL = ["身份证号", "姓名", "村(社区)代码", "年度", "个人自付费用(元)"]
DISABILITY = ["身份证号", "姓名", "村(社区)代码", "残疾类别", "残疾等级", "发证日期"]
MONITORING = ["身份证号", "姓名", "村(社区)代码", "纳入监测日期", "主要风险"]
CUSTODY = ["子女身份证号", "子女姓名", "村(社区)代码", "父母情况", "服刑或戒毒起始日期"]
TEKUN = ["身份证号", "姓名", "村(社区)代码", "出生日期"]
