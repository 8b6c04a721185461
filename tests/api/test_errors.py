"""Every error has one shape, {"errors": [{"field", "code", "message"}]}: validation errors name
their field, with the row's index in list input; the services' refusals answer 400; 401, 403,
404 and 405 read the same."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from bangfu.api.errors import exception_handler
from bangfu.core.errors import Refused
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


class StatusRow(serializers.Serializer):
    registry_number = serializers.CharField()
    status = serializers.ChoiceField(choices=["dibao", "tekun"])


class StatusUpsert(serializers.Serializer):
    reference = serializers.CharField(max_length=5)
    rows = StatusRow(many=True)


def handled(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_validation_errors_name_the_field_and_the_row(in_english):
    rows = [{"registry_number": "YJ-1", "status": "dibao"}] * 3 + [
        {"registry_number": "YJ-4", "status": "rich"}
    ]
    upsert = StatusUpsert(data={"reference": "far too long", "rows": rows})
    assert not upsert.is_valid()
    status, body = handled(serializers.ValidationError(upsert.errors))
    assert status == 400
    assert body == {
        "errors": [
            {
                "field": "reference",
                "code": "max_length",
                "message": "Ensure this field has no more than 5 characters.",
            },
            {
                "field": "rows[3].status",
                "code": "invalid_choice",
                "message": '"rich" is not a valid choice.',
            },
        ]
    }


def test_a_services_refusal_is_a_400_in_the_same_shape(in_english):
    status, body = handled(
        DjangoValidationError({"expires_on": "Too late.", "__all__": "Not now."})
    )
    assert status == 400
    assert body["errors"] == [
        {"field": "expires_on", "code": "invalid", "message": "Too late."},
        {"field": None, "code": "invalid", "message": "Not now."},
    ]
    assert handled(Refused("The station is full.")) == (
        400,
        {"errors": [{"field": None, "code": "refused", "message": "The station is full."}]},
    )


def test_http_errors_share_the_shape(english_client, staff, make_token):
    _token, read = make_token(staff, "read")
    answers = {
        401: english_client.get("/api/v1/me/"),
        403: english_client.delete("/api/v1/me/token/", headers=bearer(read)),
        404: english_client.get("/api/v1/public/projects/999999/"),
        405: english_client.post("/api/v1/public/projects/", {}, content_type="application/json"),
    }
    expected_codes = {
        401: "not_authenticated",
        403: "token_scope",
        404: "not_found",
        405: "method_not_allowed",
    }
    for status, response in answers.items():
        assert response.status_code == status
        [error] = response.json()["errors"]
        assert error["code"] == expected_codes[status]
        assert error["field"] is None and error["message"]


def test_a_path_that_names_no_endpoint_is_a_json_404(english_client):
    response = english_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert english_client.get("/api/v1/public/offers/").status_code == 200


def test_messages_follow_the_language(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    message = response.json()["errors"][0]["message"]
    assert message != "Authentication credentials were not provided."
