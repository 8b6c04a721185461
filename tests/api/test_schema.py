"""The OpenAPI schema validates without warnings and declares the bearer token, so the
documentation pages can "Authorize"; the public endpoints need none."""

import io

import pytest
import yaml
from django.core.management import call_command


def test_the_schema_validates_and_declares_the_bearer_token():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerToken"]["description"],
    }
    assert schema["paths"]["/api/v1/me/"]["get"]["security"] == [{"bearerToken": []}]
    assert schema["paths"]["/api/v1/public/offers/"]["get"]["security"] == [{}]


@pytest.mark.django_db
def test_the_documentation_pages_open(client):
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
