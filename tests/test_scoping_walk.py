"""Every view is scoped: a walk over every URL pattern of the project.

The database holds the personal data of one county (B) only, written with recognisable
markers. Users of another county (A) in every role request every URL pattern — GET and POST —
with every primary key B's data has. No response may show a marker, and nothing of B's may
change. A view that reads personal data without ``for_user`` fails here, whoever wrote it.
Then they post forms and ledger files that carry B's ID number, phone and registry numbers: a
lookup that answers outside ``for_user`` fails here too.
"""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.crypto import lookup_hash
from bangfu.core.id_numbers import parse_id_number
from bangfu.core.masking import mask_id_number, mask_name, mask_phone
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Source
from bangfu.matching_runs.models import Allocation, MatchingRun
from bangfu.procurement.models import (
    CatalogueItem,
    DeliveryRecord,
    FundingSource,
    Project,
    ProjectLine,
)
from bangfu.providers.models import Provider
from bangfu.referrals.models import IntakeCase, Referral, ServiceSession
from bangfu.registry.grants import TemporaryGrant
from bangfu.registry.identity import AUDIT_KEY, ID_NUMBER_TO_VERIFY
from bangfu.registry.models import Household, Member, Need, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    make_id_number,
    member_of,
)
from tests.registry.test_views import ledger_file, ledger_row, member_data

pytestmark = pytest.mark.postgres

# Namespaces that are configuration for superusers, not staff pages.
SKIPPED_NAMESPACES = {"admin"}
SECRET_PK = 4242
# B's second need, referred to B's procured project, and its intake case and referral.
PROJECT_CASE_PK = 4243
NAME = "司马外县"
ID_NUMBER = make_id_number(area="350502", seq=77)
PHONE = "13912345678"
ADDRESS = "外县镇秘密村88号"
REGISTRY_NUMBER = "WAIKEN-4242"
MARKERS = (
    NAME,
    mask_name(NAME),
    ID_NUMBER,
    mask_id_number(ID_NUMBER),
    PHONE,
    mask_phone(PHONE),
    ADDRESS,
    REGISTRY_NUMBER,
)


def walk(patterns, prefix="", namespace=None):
    """(name, route, converters) for every named URL pattern, with its full route."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            converters = getattr(entry.pattern, "converters", {})
            yield prefix + str(entry.pattern), converters


def fill(route: str, converters: dict, value) -> str | None:
    url = route
    for name, converter in converters.items():
        token = f"<{type(converter).__name__.removesuffix('Converter').lower()}:{name}>"
        if token not in url:
            token = f"<{name}>"
        url = url.replace(token, str(value))
    return "/" + url if "<" not in url and "^" not in url else None


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(content)):
        archive = zipfile.ZipFile(io.BytesIO(content))
        if "[Content_Types].xml" in archive.namelist():  # a spreadsheet
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            return "\n".join(
                str(cell)
                for sheet in book
                for row in sheet.iter_rows(values_only=True)
                for cell in row
            )
        # Any other archive (the directory's data package): every file's text.
        return "\n".join(
            archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()
        )
    return content.decode("utf-8", errors="replace")


@pytest.fixture
def county_b_data(county_b):
    """County B's personal data, every row of it with primary key 4242 where we choose it:
    the registry (a 临时救助 grant too), a help request at the intake desk, a referral to B's
    station (its provider 4242 too), a proposal of the matching engine and a candidate person
    found by a cross-check; and a second need (4243) referred to B's procured project (4242,
    its provider 4243), accepted, with a session its agency logged and the delivery that
    session counted against the project's line."""
    county, town, village = county_b
    household = HouseholdFactory(
        pk=SECRET_PK,
        region=village,
        registry_number=REGISTRY_NUMBER,
        address=ADDRESS,
        phone=PHONE,
    )
    MemberFactory(pk=SECRET_PK, household=household, name=NAME, id_number=ID_NUMBER)
    need = NeedFactory(pk=SECRET_PK, household=household, notes=f"{NAME} {PHONE}")
    TemporaryGrant.objects.create(
        pk=SECRET_PK,
        household=household,
        kind=TemporaryGrant.Kind.EMERGENCY,
        amount="800.00",
        reason=f"{NAME} {PHONE} {ADDRESS}",
    )
    clerk = UserFactory(username="b_clerk")
    intake = IntakeCase.objects.create(
        pk=SECRET_PK,
        source=IntakeCase.Source.PUBLIC_FORM,
        region=village,
        need=need,
        description=f"{NAME} {PHONE} {ADDRESS}",
        status=IntakeCase.Status.REFERRED,
        opened_by=clerk,
    )
    station = StationFactory(pk=SECRET_PK, provider__pk=SECRET_PK, organisation__region=town)
    Referral.objects.create(
        pk=SECRET_PK,
        intake=intake,
        need=need,
        provider=station.provider,
        sent_by=clerk,
        accept_due_at=timezone.now() + dt.timedelta(days=2),
    )
    _refer_to_a_procured_project(county, village, household, clerk)
    run = MatchingRun.objects.create(pk=SECRET_PK, job_key="b", kind="allocate", region=county)
    Allocation.objects.create(
        run=run,
        need=need,
        provider_kind="station",
        provider_id=station.provider_id,
        score=0.9,
        priority=need.priority,
    )
    crosscheck = CrossCheckImport.objects.create(
        source=Source.MEDICAL,
        region=county,
        as_of=dt.date(2026, 11, 1),
        imported_by=clerk,
        file_name="medical.xlsx",
        ok=True,
    )
    CandidatePerson.objects.create(
        pk=SECRET_PK,
        first_import=crosscheck,
        name=NAME,
        id_number=ID_NUMBER,
        id_number_hash=lookup_hash(ID_NUMBER),
        birth_date=parse_id_number(ID_NUMBER).birth_date,
        sex=parse_id_number(ID_NUMBER).sex,
        region=village,
        address=ADDRESS,
    )
    return household


def _refer_to_a_procured_project(county, village, household, clerk) -> None:
    year = timezone.localdate().year
    agency = OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="鲤城区社工机构", region=county
    )
    agency_staff = UserFactory(username="b_agency_staff")
    member_of(agency_staff, agency, Membership.Role.AGENCY_STAFF)
    project = Project.objects.create(
        pk=SECRET_PK,
        name="鲤城区居家照料服务",
        provider=Provider.objects.create(
            pk=PROJECT_CASE_PK, kind="project", name="鲤城区居家照料服务", region=county
        ),
        region=county,
        year=year,
        agency=agency,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        target_households=2,
        status=Project.Status.IN_PROGRESS,
        amount="800.00",
        created_by=clerk,
    )
    line = ProjectLine.objects.create(
        project=project,
        item=CatalogueItem.objects.get(code="home-care"),
        quantity=20,
        unit_price="40.00",
        funding_source=FundingSource.WORK_FUNDS,
    )
    need = NeedFactory(pk=PROJECT_CASE_PK, household=household, notes=f"{NAME} {ADDRESS}")
    intake = IntakeCase.objects.create(
        pk=PROJECT_CASE_PK,
        source=IntakeCase.Source.VISIT,
        region=village,
        need=need,
        description=f"{NAME} {PHONE}",
        status=IntakeCase.Status.REFERRED,
        opened_by=clerk,
    )
    now = timezone.now()
    referral = Referral.objects.create(
        pk=PROJECT_CASE_PK,
        intake=intake,
        need=need,
        provider=project.provider,
        status=Referral.Status.IN_SERVICE,
        sent_by=clerk,
        accept_due_at=now + dt.timedelta(days=2),
        accepted_at=now,
        service_due_at=now + dt.timedelta(days=7),
    )
    delivery = DeliveryRecord.objects.create(
        project=project,
        line=line,
        delivered_on=timezone.localdate(),
        quantity="1.50",
        household=household,
        note=f"{NAME} {PHONE}",
        case=referral.pk,
        recorded_by=agency_staff,
    )
    ServiceSession.objects.create(
        referral=referral,
        held_on=timezone.localdate(),
        duration_minutes=90,
        category=need.category,
        provided_by=agency_staff,
        notes=f"{NAME} {ADDRESS}",
        delivery_record=delivery.pk,
    )


@pytest.fixture
def county_a_users(county_a):
    """A user of county A in every role."""
    county, town, village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    station = OrganisationFactory(kind=Organisation.Kind.STATION, region=town)
    charity = OrganisationFactory(kind=Organisation.Kind.CHARITY, region=county)
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=county)
    Role = Membership.Role
    users = []
    for role, organisation in [
        (Role.BUREAU_STAFF, bureau),
        (Role.BUREAU_MANAGER, bureau),
        (Role.AUDITOR, bureau),
        (Role.ASSISTANT, bureau),
        (Role.STATION_STAFF, station),
        (Role.VOLUNTEER, station),
        (Role.CHARITY_STAFF, charity),
        (Role.AGENCY_STAFF, agency),
    ]:
        user = UserFactory(username=f"a_{role}")
        villages = [village] if role == Role.ASSISTANT else ()
        member_of(user, organisation, role, villages=villages)
        users.append(user)
    return users


@pytest.mark.long
@pytest.mark.django_db
def test_no_page_shows_another_countys_personal_data(client, county_b_data, county_a_users):
    routes = list(walk(get_resolver().url_patterns))
    assert len(routes) > 10, "the walk found too few URL patterns"
    watched = (Household, Member, Need, Referral, ServiceSession, DeliveryRecord)
    before = [list(Model.objects.order_by("pk").values()) for Model in watched]
    requested, leaks = 0, []
    for user in county_a_users:
        client.force_login(user)
        for route, converters in routes:
            values = [SECRET_PK, PROJECT_CASE_PK, 1] if converters else [None]
            for value in values:
                url = fill(route, converters, value) if converters else "/" + route
                if url is None:
                    continue
                for method in (client.get, client.post):
                    response = method(url)
                    requested += 1
                    if response.status_code >= 400 or response.status_code in (301, 302):
                        continue
                    body = text_of(response)
                    leaks += [
                        f"{user.username} {method.__name__.upper()} {url}: {marker}"
                        for marker in MARKERS
                        if marker in body
                    ]
    assert leaks == []
    after = [list(Model.objects.order_by("pk").values()) for Model in watched]
    assert after == before, "a user outside the county changed its data"
    assert requested > 100


# A household of B that moved from county A and kept the number A gave it: the one kind of
# B's registry numbers that A's forms accept as a number of theirs, and must still not name.
MOVED_NUMBER = "530428-4244"
B_PLACES = ("县350502", "镇001", "村001")


@pytest.mark.django_db
def test_forms_and_files_carrying_another_countys_numbers_learn_nothing(
    client, county_a, county_b_data, county_a_users
):
    """A's users post forms and ledger files that carry B's ID number, phone and registry
    numbers; no response shows anything of B's beyond what the user typed."""
    _county, _town, village = county_a
    HouseholdFactory(region=county_b_data.region, registry_number=MOVED_NUMBER)
    own = HouseholdFactory(region=village, registry_number="530428-0042")
    markers = (*MARKERS, MOVED_NUMBER, *B_PLACES)
    household_form = {
        "region": village.pk,
        "address": "和平路 3 号",
        "phone": PHONE,
        "tier": Tier.DIBAO,
        "status": Household.Status.ACTIVE,
    }
    ledger = [
        ledger_row(village, registry_number=MOVED_NUMBER, id_number=make_id_number(seq=431)),
        ledger_row(village, registry_number="530428-0043", id_number=ID_NUMBER, phone=PHONE),
    ]
    import_url = reverse("registry:household-import")
    probes = [
        (reverse("registry:member-create", args=[own.pk]), member_data(id_number=ID_NUMBER)),
        *(
            (reverse("registry:household-create"), {**household_form, "registry_number": number})
            for number in (REGISTRY_NUMBER, MOVED_NUMBER)
        ),
        *((import_url, {"dry_run": dry_run}) for dry_run in ("on", "")),
    ]
    watched = (Household, Member)
    before = [list(Model.objects.order_by("pk").values()) for Model in watched]
    leaks, neutral = [], 0
    for user in county_a_users:
        client.force_login(user)
        for url, data in probes:
            if url == import_url:
                data = {**data, "file": ledger_file(ledger)}
            response = client.post(url, data)
            if response.status_code >= 400:
                continue
            body = text_of(response)
            neutral += str(ID_NUMBER_TO_VERIFY) in body
            # What the user typed comes back in the form's fields; nothing else may.
            for value in data.values():
                body = body.replace(f'value="{value}"', "")
            leaks += [f"{user.username} POST {url}: {m}" for m in markers if m in body]
    assert leaks == []
    after = [list(Model.objects.order_by("pk").values()) for Model in watched]
    assert after == before, "a probe changed the registry"
    # The probes reached the lookups: the refusals of each role that writes are on record.
    refused = {
        user.username: LogEntry.objects.filter(actor=user, additional_data__has_key=AUDIT_KEY)
        for user in county_a_users
    }
    writers = {name for name, entries in refused.items() if entries.count() >= 5}
    assert writers == {"a_bureau_staff", "a_bureau_manager", "a_assistant"} and neutral >= 3
