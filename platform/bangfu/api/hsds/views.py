"""The Open Referral (HSDS 3.0) API of the public service directory: the endpoints of HSDS's
OpenAPI file, public and read-only, each answering from one build of the directory.

Query parameters follow HSDS's, and combine as AND: ``search`` (every word, anywhere in the
names and descriptions), ``taxonomy_term_id``, ``taxonomy_id``, ``organization_id``, ``full``,
``full_service``, ``parent_id``, ``top_only``, ``page`` and ``per_page``.
"""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bangfu.api.hsds import schema, tables
from bangfu.api.hsds.datapackage import datapackage_zip
from bangfu.api.hsds.directory import build_directory
from bangfu.api.hsds.nesting import Nested
from bangfu.api.hsds.pagination import HsdsPagination
from bangfu.api.schema import error_responses

# The operation ids are those of HSDS's OpenAPI file, so that its clients find them.
TAG = ["hsds"]


def _parameter(name: str, kind=OpenApiTypes.STR, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


PAGING = [
    _parameter("page", OpenApiTypes.INT, "Page number, from 1."),
    _parameter("per_page", OpenApiTypes.INT, "Results a page (at most 500)."),
]
SEARCH = _parameter("search", description="Words that must all appear (names, descriptions).")
FULL = _parameter("full", OpenApiTypes.BOOL, "Return fully nested objects.")
SERVICE_FILTERS = [
    SEARCH,
    _parameter("taxonomy_term_id", OpenApiTypes.UUID, "Services of this taxonomy term."),
    _parameter("taxonomy_id", OpenApiTypes.UUID, "Services with any term of this taxonomy."),
    _parameter("organization_id", OpenApiTypes.UUID, "Services of this organization."),
    FULL,
    *PAGING,
]


def _flag(request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1", "yes")


def _matches(request, *texts: str) -> bool:
    words = request.query_params.get("search", "").casefold().split()
    text = " ".join(texts).casefold()
    return all(word in text for word in words)


class HsdsView(APIView):
    """Public: no log-in, no token, no session; the text is Chinese (Content-Language)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = tables.LANGUAGE_TAG
        return response

    def nested(self) -> Nested:
        return Nested(build_directory())

    def page(self, request, items, shape) -> Response:
        paginator = HsdsPagination()
        rows = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response([shape(row) for row in rows])


def _one(found: dict, pk) -> dict:
    row = found.get(str(pk))
    if row is None:
        raise NotFound
    return row


class RootView(HsdsView):
    @extend_schema(
        operation_id="getAPIMetaInformation",
        tags=TAG,
        responses={200: schema.ROOT},
        summary="HSDS version of this API",
    )
    def get(self, request):
        return Response(
            {
                "version": tables.HSDS_VERSION,
                "hsds_version": tables.HSDS_VERSION,
                "openapi_url": request.build_absolute_uri(reverse("api:schema")),
            }
        )


def _service_filter(request, nested: Nested):
    term = request.query_params.get("taxonomy_term_id")
    taxonomy = request.query_params.get("taxonomy_id")
    organization = request.query_params.get("organization_id")

    def keep(service: dict, *more_text: str) -> bool:
        terms = nested.service_terms[service["id"]]
        return (
            (not term or term in terms)
            and (not taxonomy or any(nested.term[t]["taxonomy_id"] == taxonomy for t in terms))
            and (not organization or service["organization_id"] == organization)
            and _matches(request, nested.search_text(service), *more_text)
        )

    return keep


class ServiceListView(HsdsView):
    @extend_schema(
        operation_id="getPaginatedListOfServices",
        tags=TAG,
        parameters=SERVICE_FILTERS,
        responses={
            200: schema.page_of({"anyOf": [schema.SERVICE_LIST, schema.SERVICE]}),
            **error_responses(400),
        },
    )
    def get(self, request):
        nested = self.nested()
        keep = _service_filter(request, nested)
        shape = nested.service_object if _flag(request, "full") else nested.service_list_item
        return self.page(request, [s for s in nested.services if keep(s)], shape)


class ServiceView(HsdsView):
    @extend_schema(
        operation_id="getFullyNestedServiceById",
        tags=TAG,
        responses={200: schema.SERVICE, **error_responses(404)},
    )
    def get(self, request, id):
        nested = self.nested()
        return Response(nested.service_object(_one(nested.service, id)))


class ServiceAtLocationListView(HsdsView):
    @extend_schema(
        operation_id="getPaginatedListOfServiceAtLocation",
        tags=TAG,
        parameters=SERVICE_FILTERS,
        responses={
            200: schema.page_of(
                {"anyOf": [schema.SERVICE_AT_LOCATION_LIST, schema.SERVICE_AT_LOCATION]}
            ),
            **error_responses(400),
        },
    )
    def get(self, request):
        nested = self.nested()
        keep = _service_filter(request, nested)
        items = [
            sal
            for sal in nested.service_at_locations
            if keep(
                nested.service[sal["service_id"]],
                nested.location[sal["location_id"]].get("name", ""),
            )
        ]
        full = _flag(request, "full")
        shape = nested.service_at_location_object if full else nested.service_at_location_list_item
        return self.page(request, items, shape)


class ServiceAtLocationView(HsdsView):
    @extend_schema(
        operation_id="getServiceAtLocationWithNestedDataById",
        tags=TAG,
        responses={200: schema.SERVICE_AT_LOCATION, **error_responses(404)},
    )
    def get(self, request, id):
        nested = self.nested()
        found = {sal["id"]: sal for sal in nested.service_at_locations}
        return Response(nested.service_at_location_object(_one(found, id)))


class OrganizationListView(HsdsView):
    @extend_schema(
        operation_id="getPaginatedListOfOrganizations",
        tags=TAG,
        parameters=[
            SEARCH,
            FULL,
            _parameter("full_service", OpenApiTypes.BOOL, "With full services (with full)."),
            *PAGING,
        ],
        responses={
            200: schema.page_of({"anyOf": [schema.ORGANIZATION_LIST, schema.ORGANIZATION]}),
            **error_responses(400),
        },
    )
    def get(self, request):
        nested = self.nested()
        items = [
            organization
            for organization in nested.organizations
            if _matches(request, organization["name"], organization["description"])
        ]
        full_service = _flag(request, "full_service")
        if _flag(request, "full"):
            return self.page(
                request,
                items,
                lambda row: nested.organization_object(row, full_service=full_service),
            )
        return self.page(request, items, dict)


class OrganizationView(HsdsView):
    @extend_schema(
        operation_id="getOrganizationById",
        tags=TAG,
        parameters=[_parameter("full_service", OpenApiTypes.BOOL, "With full services.")],
        responses={200: schema.ORGANIZATION, **error_responses(404)},
    )
    def get(self, request, id):
        nested = self.nested()
        organization = _one(nested.organization, id)
        full_service = _flag(request, "full_service")
        return Response(nested.organization_object(organization, full_service=full_service))


class TaxonomyListView(HsdsView):
    @extend_schema(
        operation_id="getPaginatedListOfTaxonomies",
        tags=TAG,
        parameters=[SEARCH, *PAGING],
        responses={200: schema.page_of(schema.TAXONOMY), **error_responses(400)},
    )
    def get(self, request):
        nested = self.nested()
        items = [t for t in nested.taxonomies if _matches(request, t["name"], t["description"])]
        return self.page(request, items, dict)


class TaxonomyView(HsdsView):
    @extend_schema(
        operation_id="getTaxonomyById",
        tags=TAG,
        responses={200: schema.TAXONOMY, **error_responses(404)},
    )
    def get(self, request, id):
        return Response(_one(self.nested().taxonomy, id))


class TaxonomyTermListView(HsdsView):
    @extend_schema(
        operation_id="getPaginatedListOfTaxonomyTerms",
        tags=TAG,
        parameters=[
            SEARCH,
            _parameter("taxonomy_id", OpenApiTypes.UUID, "Terms of this taxonomy."),
            _parameter("parent_id", OpenApiTypes.UUID, "Terms below this term."),
            _parameter("top_only", OpenApiTypes.BOOL, "Only the terms without a parent."),
            *PAGING,
        ],
        responses={200: schema.page_of(schema.TAXONOMY_TERM), **error_responses(400)},
    )
    def get(self, request):
        nested = self.nested()
        taxonomy = request.query_params.get("taxonomy_id")
        parent = request.query_params.get("parent_id")
        top_only = _flag(request, "top_only")
        items = [
            term
            for term in nested.taxonomy_terms
            if (not taxonomy or term["taxonomy_id"] == taxonomy)
            and (not parent or term.get("parent_id") == parent)
            and not (top_only and "parent_id" in term)
            and _matches(request, term["code"], term["name"], term["description"])
        ]
        return self.page(request, items, nested.taxonomy_term_object)


class TaxonomyTermView(HsdsView):
    @extend_schema(
        operation_id="getTaxonomyTermById",
        tags=TAG,
        responses={200: schema.TAXONOMY_TERM, **error_responses(404)},
    )
    def get(self, request, id):
        nested = self.nested()
        return Response(nested.taxonomy_term_object(_one(nested.term, id)))


class DataPackageView(HsdsView):
    @extend_schema(
        operation_id="getTabularDataPackage",
        tags=TAG,
        summary="The directory as an HSDS tabular data package",
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        response = HttpResponse(datapackage_zip(build_directory()), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="bangfu-hsds.zip"'
        return response
