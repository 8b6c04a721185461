"""OpenAPI schemas of the directory's objects, derived from the same field lists as the CSVs
(``tables``), for drf-spectacular's ``extend_schema``."""

from bangfu.api.hsds import tables
from bangfu.api.hsds.pagination import HsdsPagination

_JSON_TYPES = {
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "time": {"type": "string"},
}


def _property(field: tables.Field) -> dict:
    found = dict(_JSON_TYPES.get(field.type, {"type": "string"}))
    if field.format:
        found["format"] = field.format
    return found


def _object(table: tables.Table, **nested) -> dict:
    return {
        "type": "object",
        "required": [field.name for field in table.fields if field.required],
        "properties": {field.name: _property(field) for field in table.fields} | nested,
    }


def _array(schema: dict) -> dict:
    return {"type": "array", "items": schema}


def page_of(schema: dict) -> dict:
    return HsdsPagination().get_paginated_response_schema(_array(schema))


ORGANIZATION_LIST = _object(tables.ORGANIZATION)
TAXONOMY = _object(tables.TAXONOMY)
TAXONOMY_TERM = _object(tables.TAXONOMY_TERM, taxonomy_detail=TAXONOMY)
LOCATION_LIST = _object(tables.LOCATION)
LOCATION = _object(
    tables.LOCATION,
    addresses=_array(_object(tables.ADDRESS)),
    schedules=_array(_object(tables.SCHEDULE)),
)
SERVICE_ROW = _object(tables.SERVICE)
SERVICE_LIST = _object(tables.SERVICE, organization=ORGANIZATION_LIST)
_SERVICE_PARTS = {
    "organization": ORGANIZATION_LIST,
    "service_areas": _array(_object(tables.SERVICE_AREA)),
    "languages": _array(_object(tables.LANGUAGE)),
    "funding": _array(_object(tables.FUNDING)),
    "attributes": _array(_object(tables.ATTRIBUTE, taxonomy_term=TAXONOMY_TERM)),
}
SERVICE_WITHOUT_LOCATIONS = _object(tables.SERVICE, **_SERVICE_PARTS)
SERVICE = _object(
    tables.SERVICE,
    **_SERVICE_PARTS,
    service_at_locations=_array(_object(tables.SERVICE_AT_LOCATION, location=LOCATION)),
)
ORGANIZATION = _object(
    tables.ORGANIZATION,
    services=_array({"anyOf": [SERVICE_ROW, SERVICE]}),
    locations=_array(LOCATION),
)
SERVICE_AT_LOCATION_LIST = _object(
    tables.SERVICE_AT_LOCATION, location=LOCATION_LIST, service=SERVICE_LIST
)
SERVICE_AT_LOCATION = _object(
    tables.SERVICE_AT_LOCATION, location=LOCATION, service=SERVICE_WITHOUT_LOCATIONS
)
ROOT = {
    "type": "object",
    "required": ["version"],
    "properties": {
        "version": {"type": "string", "description": "HSDS version of this API."},
        "hsds_version": {"type": "string"},
        "openapi_url": {"type": "string", "format": "uri"},
    },
}
