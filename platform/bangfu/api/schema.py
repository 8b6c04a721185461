"""What the OpenAPI schema describes: version 1 of the API, not Wagtail's own admin API; the
bearer token as its security scheme, so the documentation pages can "Authorize"; the one
error body (``bangfu.api.errors``) for views to name in their responses."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


def version_one_only(endpoints):
    """drf-spectacular preprocessing hook: keep the endpoints under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "bangfu.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _("A token made on the staff pages (API tokens): Authorization: Bearer bfk_…")
            ),
        }


ERRORS = inline_serializer(
    "Errors",
    fields={
        "errors": inline_serializer(
            "Error",
            fields={
                "field": serializers.CharField(allow_null=True),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
            },
            many=True,
        )
    },
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an operation, for ``extend_schema(responses=…)``."""
    return {code: OpenApiResponse(ERRORS) for code in codes}
