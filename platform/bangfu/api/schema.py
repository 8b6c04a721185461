"""What the OpenAPI schema describes: version 1 of the API, not Wagtail's own admin API."""


def version_one_only(endpoints):
    """drf-spectacular preprocessing hook: keep the endpoints under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
