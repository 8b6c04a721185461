"""The API keeps the promises of its own OpenAPI schema: Schemathesis generates requests for
every operation the schema describes — what lands later is covered without a list to keep —
and sends them to the WSGI application with a bureau manager's read-write token, over a small
county: a household with members and needs, a station with a referral, a published project and
offer. No answer is a server error; every status, content type and body is the documented one.
And every operation that declares the bearer token refuses a request without one.

Bounded for CI: a few derandomized examples an operation, so a run is the same run each time.
The path's ``id`` of each operation is given the county's rows as its schema example, so the
generated requests reach the rows, not only the 404 of an id that does not exist.
"""

import copy
import datetime as dt
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bangfu.accounts.models import Organisation
from bangfu.api.hsds.tables import TAXONOMY_NAME, uid
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import Member, Tier
from tests.api.conftest import bearer
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    ProjectFactory,
    StationFactory,
    UserFactory,
    charity_with_staff,
    make_id_number,
)
from tests.referrals.conftest import FakeEngine, ranked

pytestmark = pytest.mark.postgres

# The primary key of every row the county below has one of: household, member, need, station
# (its organisation and provider), intake case, referral, project and offer.
PK = 5151
PUBLIC = ("/api/v1/public/", "/api/v1/hsds/")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The HSDS rows of that county, by the collection their path names (uuid5 ids, ``uid``).
HSDS_IDS = {
    "organizations": ("organization", PK),
    "services": ("service", f"station:{PK}:care"),
    "service_at_locations": ("service-at-location", f"station:{PK}:care"),
    "taxonomies": ("taxonomy", TAXONOMY_NAME),
    "taxonomy_terms": ("service-category", "care"),
}


def generated_schema() -> dict:
    """The schema the project serves at /api/schema/, as JSON."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    document = generator.get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


def with_known_ids(document: dict) -> dict:
    """Each operation's path ``id`` gets the county's row as its example."""
    for path, operations in document["paths"].items():
        collection = path.rstrip("/").split("/{id}")[0].rsplit("/", 1)[-1]
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path" or parameter["name"] != "id":
                    continue
                if parameter["schema"].get("format") == "uuid" and collection in HSDS_IDS:
                    parameter["example"] = uid(*HSDS_IDS[collection])
                elif parameter["schema"].get("type") == "integer":
                    parameter["example"] = PK
    return document


DOCUMENT = generated_schema()
schema = schemathesis.openapi.from_dict(with_known_ids(copy.deepcopy(DOCUMENT)))


@pytest.fixture
def county(county_a, monkeypatch):
    """County A's registry, desk, station, procured project and charity offer, each row of
    primary key ``PK``; the matching engine ranks the station first."""
    _county, town, village = county_a
    household = HouseholdFactory(
        pk=PK,
        region=village,
        registry_number="530428-0101",
        address="新民村2组8号",
        phone="13987654321",
        tier=Tier.DIBAO,
    )
    MemberFactory(
        pk=PK,
        household=household,
        name="杨桂仙",
        id_number=make_id_number(birth=dt.date(1948, 3, 9), seq=41, male=False),
    )
    MemberFactory(
        household=household,
        name="杨晓东",
        relation=Member.Relation.GRANDCHILD,
        id_number=make_id_number(birth=dt.date(2014, 9, 1), seq=43),
    )
    need = NeedFactory(pk=PK, household=household, notes="独居老人，需要每周上门照料两次")
    NeedFactory(household=household, notes="孙子上学需要课后照看")
    station = StationFactory(
        pk=PK,
        organisation__pk=PK,
        organisation__name="镇101社工站",
        organisation__region=town,
        provider__pk=PK,
    )
    clerk = UserFactory(username="desk_a")
    intake = IntakeCase.objects.create(
        pk=PK,
        source=IntakeCase.Source.VISIT,
        region=village,
        need=need,
        description="走访时发现老人行动不便，家中无人照料",
        status=IntakeCase.Status.REFERRED,
        opened_by=clerk,
    )
    Referral.objects.create(
        pk=PK,
        intake=intake,
        need=need,
        provider=station.provider,
        sent_by=clerk,
        accept_due_at=timezone.now() + dt.timedelta(days=2),
    )
    agency = OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="元江县阳光社会工作服务中心", region=_county
    )
    ProjectFactory(pk=PK, region=_county, agency=agency, name="居家照料服务项目")
    charity, _user = charity_with_staff(_county)
    OfferFactory(pk=PK, charity=charity, title="爱心大米")
    engine = FakeEngine()
    engine.candidates = [ranked(station, 0.9)]
    monkeypatch.setattr("bangfu.referrals.ranking.rank_need", engine)
    return household


@pytest.fixture
def manager_headers(county, manager, make_token):
    return bearer(make_token(manager, "read_write")[1])


@pytest.fixture
def wsgi_app():
    """The project's WSGI application inside the test's transaction: as Django's test client
    does, requests do not close the connection (which would roll the test's data back)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case, wsgi_app, manager_headers):
    case.call_and_validate(app=wsgi_app, headers=manager_headers, checks=CHECKS)


def secured_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation that declares a security requirement and no empty
    alternative: every one but the public ones."""
    return [
        (method.upper(), path)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") and {} not in operation["security"]
    ]


@pytest.mark.django_db
def test_every_operation_that_needs_a_token_refuses_a_request_without_one(
    county, manager, make_token
):
    operations = secured_operations()
    assert len(operations) >= 10, "the schema names too few operations behind a token"
    assert not [path for _method, path in operations if path.startswith(PUBLIC)]
    refusals, controls = [], []
    for method, path in operations:
        url = path.replace("{id}", str(PK))
        response = Client().generic(method, url, "{}", content_type="application/json")
        body = response.json()
        errors = body.get("errors") if isinstance(body, dict) else None
        if response.status_code != 401 or set(body) != {"errors"} or not errors:
            refusals.append(f"{method} {path}: {response.status_code} {body}")
        elif any(set(error) != {"field", "code", "message"} for error in errors):
            refusals.append(f"{method} {path}: error body {body}")
        # Positive control: the same request with a token of its own (one may revoke itself)
        # is let in.
        token = bearer(make_token(manager, "read_write")[1])
        response = Client(headers=token).generic(method, url, "{}", content_type="application/json")
        if response.status_code == 401:
            controls.append(f"{method} {path}: {response.json()}")
    assert refusals == []
    assert controls == []
