"""The HTTP API: version 1 under /api/v1/, its OpenAPI 3 schema and the schema's documentation
pages, served from the project's own static files (drf-spectacular-sidecar, no CDN). Swagger UI
only: ReDoc's page loads web fonts from a CDN and needs workers the CSP refuses."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bangfu.api.errors import UnknownPath

app_name = "api"

urlpatterns = [
    path("v1/", include("bangfu.api.v1_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", UnknownPath.as_view()),
]
