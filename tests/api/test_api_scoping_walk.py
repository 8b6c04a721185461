"""The scoping walk of the pages (``tests/test_scoping_walk.py``), over /api/: county A's users
in every role, each with a read-write token, request every /api/ URL pattern with every primary
key county B's data has — GET, and POST with a body built from the operation's request schema
out of B's ids, registry number, ID number and phone. No answer shows a marker of B's, and
nothing of B's changes. Patterns and request bodies come from the URL resolver and the schema,
so an endpoint added later is walked without a list to keep.
"""

import json
import re
from collections import Counter

import pytest
from django.urls import get_resolver
from django.utils import timezone

from bangfu.procurement.models import DeliveryRecord
from bangfu.referrals.models import Referral, ServiceSession
from bangfu.registry.models import Household, Member, Need
from tests import test_scoping_walk as pages_walk
from tests.api.conftest import bearer
from tests.api.test_schema_fuzz import DOCUMENT
from tests.test_scoping_walk import (
    ID_NUMBER,
    MARKERS,
    NAME,
    PHONE,
    PROJECT_CASE_PK,
    REGISTRY_NUMBER,
    SECRET_PK,
    fill,
    text_of,
    walk,
)

pytestmark = pytest.mark.postgres

# The page walk's fixtures: county B's personal data, county A's users in every role.
county_b_data = pages_walk.county_b_data
county_a_users = pages_walk.county_a_users

WATCHED = (Household, Member, Need, Referral, ServiceSession, DeliveryRecord)
# What B's rows are named by in a request body, by the field's name.
B_STRINGS = {
    "registry_number": REGISTRY_NUMBER,
    "household": REGISTRY_NUMBER,
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "caller_phone": PHONE,
    "caller_name": NAME,
    "name": NAME,
    "status": "dibao",
    "decision_number": "鲤民低〔2026〕9号",
}
# Integer fields that name a row: B's primary key goes there.
ID_FIELDS = {"id", "need", "household", "member", "referral", "case", "provider", "region"}
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def schema_path(route: str) -> str:
    """The schema's path of a URL pattern: ``<int:pk>`` is ``{id}`` there."""
    return "/" + CONVERTER.sub(lambda m: "{id}" if m[1] == "pk" else f"{{{m[1]}}}", route)


def resolved(schema: dict) -> dict:
    if "$ref" in schema:
        return resolved(DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return resolved(schema[combined][0])
    return schema


def scalar(schema: dict, name: str | None, b_values: dict):
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind, format_ = schema.get("type"), schema.get("format")
    if kind == "integer":  # a row's id is B's; a count or a length is small
        number = b_values.get(f"{name}:int", SECRET_PK if name in ID_FIELDS else 1)
        return max(schema.get("minimum", number), min(number, schema.get("maximum", number)))
    if kind == "boolean":
        return False  # a preview writes nothing: ask for the real thing
    if format_ == "date":
        return timezone.localdate().isoformat()
    if format_ == "date-time":
        return timezone.now().isoformat()
    if kind == "number":
        return 1.5
    return b_values.get(name, "老人独居，需要上门照料")


def bodies(schema: dict, b_values: dict, name: str | None = None) -> list:
    """Values of ``schema`` made of B's ids: one with every property, one with the required
    ones only, one without each optional property, and one for each variant of a property's
    own."""
    schema = resolved(schema)
    if schema.get("type") == "array":
        return [[item] for item in bodies(schema["items"], b_values, name)]
    if schema.get("type") != "object" and "properties" not in schema:
        return [scalar(schema, name, b_values)]
    properties = {
        key: bodies(value, b_values, key)
        for key, value in schema.get("properties", {}).items()
        if not resolved(value).get("readOnly")
    }
    full = {key: values[0] for key, values in properties.items()}
    required = set(schema.get("required", ()))
    return [
        full,
        {key: value for key, value in full.items() if key in required},
        *({k: v for k, v in full.items() if k != key} for key in properties if key not in required),
        *({**full, key: value} for key, values in properties.items() for value in values[1:]),
    ]


def post_bodies(route: str, b_values: dict) -> list:
    operation = DOCUMENT["paths"].get(schema_path(route), {}).get("post")
    if operation is None or "requestBody" not in operation:
        return [{}]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return bodies(schema, b_values)


@pytest.mark.django_db
def test_no_api_answer_shows_another_countys_personal_data(
    client, county_b_data, county_a_users, make_token
):
    routes = [(r, c) for r, c in walk(get_resolver().url_patterns) if r.startswith("api/")]
    assert len(routes) > 20, "the walk found too few API patterns"
    need = Need.objects.select_related("category").get(pk=SECRET_PK)
    b_values = {
        **B_STRINGS,
        "category": need.category.code,
        "category:int": need.category_id,
        "place": county_b_data.region.code,
    }
    before = [list(Model.objects.order_by("pk").values()) for Model in WATCHED]
    answers, posted, leaks = Counter(), 0, []
    for user in county_a_users:
        headers = bearer(make_token(user, "read_write")[1])
        for route, converters in routes:
            for value in [SECRET_PK, PROJECT_CASE_PK] if converters else [None]:
                url = fill(route, converters, value) if converters else "/" + route
                if url is None:
                    continue
                requests = [("GET", None)] + [
                    ("POST", body) for body in post_bodies(route, b_values)
                ]
                for method, body in requests:
                    response = client.generic(
                        method,
                        url,
                        json.dumps(body) if body is not None else "",
                        content_type="application/json",
                        headers=headers,
                    )
                    answers[response.status_code] += 1
                    posted += method == "POST" and body != {}
                    if response.status_code >= 400 or response.status_code in (301, 302):
                        continue
                    answer = text_of(response)
                    leaks += [
                        f"{user.username} {method} {url} {body}: {marker}"
                        for marker in MARKERS
                        if marker in answer
                    ]
    assert leaks == []
    after = [list(Model.objects.order_by("pk").values()) for Model in WATCHED]
    assert after == before, "a user outside the county changed its data"
    # The walk reached the views' own refusals: bodies were read and refused, not only routed.
    assert answers.total() > 300 and posted > 50 and answers[400] > 0, answers


@pytest.mark.django_db
def test_the_walk_reaches_the_household_for_its_own_county(
    client, county_b_data, other_manager, make_token
):
    """Positive control: B's own manager, through the same API, sees B's household."""
    headers = bearer(make_token(other_manager, "read")[1])
    response = client.get(f"/api/v1/registry/households/{SECRET_PK}/", headers=headers)
    assert response.status_code == 200
    assert REGISTRY_NUMBER in response.content.decode()
    assert [marker for marker in MARKERS if marker in text_of(response)]
