"""The HSDS 3.0 tables this directory publishes, field for field as the specification defines
them (schema/*.json of openreferral/specification, branch 3.0), and the identifiers of their rows.

One list of fields per table serves the three forms of the directory: the CSV columns and the
``datapackage.json`` descriptor of the tabular package, and the OpenAPI schemas of the API's
objects. Every field of a published table is listed, including those the directory leaves empty,
so the CSVs have the columns HSDS's own descriptor names.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings

HSDS_VERSION = "3.0"
# The directory's text is Chinese in simplified characters. HSDS's language fields take ISO 639
# codes ("zh"); the BCP 47 tag ("zh-Hans") goes where a tag can: the HTTP Content-Language, the
# language objects' note and the package descriptor.
LANGUAGE_TAG = "zh-Hans"
LANGUAGE_CODE = "zh"
LANGUAGE_NAME = "简体中文"
TAXONOMY_NAME = "bangfu-service-category"


def uid(kind: str, *keys) -> str:
    """Row identifiers are uuid5 of the deployment's namespace (``DIRECTORY_ID``: two counties'
    instances number their rows alike, so their ids must differ) and "<kind>:<key>", the key a
    primary key or a natural code: the same row has the same id in every export, and no id
    reveals anything."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"https://bangfu.org/{settings.DIRECTORY_ID}")
    return str(uuid.uuid5(namespace, ":".join([kind, *(str(key) for key in keys)])))


@dataclass(frozen=True)
class Field:
    name: str
    # A Frictionless table schema type: string, number, date, datetime.
    type: str = "string"
    format: str = ""
    required: bool = False


def _uuid(name: str, *, required: bool = False) -> Field:
    return Field(name, format="uuid", required=required)


ID = _uuid("id", required=True)


@dataclass(frozen=True)
class Table:
    name: str  # the resource's name in HSDS's descriptor (singular)
    path: str  # its CSV's file name
    fields: tuple[Field, ...]
    # Column -> the table (resource name) whose id it refers to.
    foreign_keys: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> list[str]:
        return [field.name for field in self.fields]


ORGANIZATION = Table(
    "organization",
    "organizations.csv",
    (
        ID,
        Field("name", required=True),
        Field("alternate_name"),
        Field("description", required=True),
        Field("email", format="email"),
        Field("website", format="uri"),
        Field("tax_status"),
        Field("tax_id"),
        Field("year_incorporated", "number"),
        Field("legal_status"),
        Field("logo"),
        Field("uri", format="uri"),
        _uuid("parent_organization_id"),
    ),
)
SERVICE = Table(
    "service",
    "services.csv",
    (
        ID,
        _uuid("organization_id", required=True),
        _uuid("program_id"),
        Field("name", required=True),
        Field("alternate_name"),
        Field("description"),
        Field("url", format="uri"),
        Field("email", format="email"),
        Field("status", required=True),
        Field("interpretation_services"),
        Field("application_process"),
        Field("fees_description"),
        Field("wait_time"),
        Field("fees"),
        Field("accreditations"),
        Field("eligibility_description"),
        Field("minimum_age", "number"),
        Field("maximum_age", "number"),
        Field("assured_date", "date"),
        Field("assurer_email", format="email"),
        Field("licenses"),
        Field("alert"),
        Field("last_modified", "datetime"),
    ),
    (("organization_id", "organization"),),
)
LOCATION = Table(
    "location",
    "locations.csv",
    (
        ID,
        Field("location_type", required=True),
        Field("url", format="uri"),
        _uuid("organization_id"),
        Field("name"),
        Field("alternate_name"),
        Field("description"),
        Field("transportation"),
        Field("latitude", "number"),
        Field("longitude", "number"),
        Field("external_identifier"),
        Field("external_identifier_type"),
    ),
    (("organization_id", "organization"),),
)
ADDRESS = Table(
    "address",
    "addresses.csv",
    (
        ID,
        _uuid("location_id"),
        Field("attention"),
        Field("address_1", required=True),
        Field("address_2"),
        Field("city", required=True),
        Field("region"),
        Field("state_province", required=True),
        Field("postal_code", required=True),
        Field("country", required=True),
        Field("address_type", required=True),
    ),
    (("location_id", "location"),),
)
SERVICE_AT_LOCATION = Table(
    "service_at_location",
    "service_at_location.csv",
    (
        ID,
        _uuid("service_id", required=True),
        _uuid("location_id", required=True),
        Field("description"),
    ),
    (("service_id", "service"), ("location_id", "location")),
)
SERVICE_AREA = Table(
    "service_area",
    "service_areas.csv",
    (
        ID,
        _uuid("service_id"),
        Field("name"),
        Field("description"),
        Field("extent"),
        Field("extent_type"),
        Field("uri"),
    ),
    (("service_id", "service"),),
)
SCHEDULE = Table(
    "schedule",
    "schedules.csv",
    (
        ID,
        _uuid("service_id"),
        _uuid("location_id"),
        _uuid("service_at_location_id"),
        Field("valid_from", "date"),
        Field("valid_to", "date"),
        Field("dtstart", "date"),
        Field("timezone", "number"),
        Field("until", "date"),
        Field("count", "number"),
        Field("wkst"),
        Field("freq"),
        Field("interval", "number"),
        Field("byday"),
        Field("byweekno"),
        Field("bymonthday"),
        Field("byyearday"),
        Field("description"),
        Field("opens_at", "time"),
        Field("closes_at", "time"),
        Field("schedule_link", format="uri"),
        Field("attending_type"),
        Field("notes"),
    ),
    (
        ("service_id", "service"),
        ("location_id", "location"),
        ("service_at_location_id", "service_at_location"),
    ),
)
FUNDING = Table(
    "funding",
    "funding.csv",
    (ID, _uuid("organization_id"), _uuid("service_id"), Field("source")),
    (("organization_id", "organization"), ("service_id", "service")),
)
LANGUAGE = Table(
    "language",
    "languages.csv",
    (
        ID,
        _uuid("service_id"),
        _uuid("location_id"),
        _uuid("phone_id"),
        Field("name"),
        Field("code"),
        Field("note"),
    ),
    (("service_id", "service"), ("location_id", "location")),
)
TAXONOMY = Table(
    "taxonomy",
    "taxonomies.csv",
    (
        ID,
        Field("name", required=True),
        Field("description", required=True),
        Field("uri", format="uri"),
        Field("version"),
    ),
)
TAXONOMY_TERM = Table(
    "taxonomy_term",
    "taxonomy_terms.csv",
    (
        ID,
        Field("code"),
        Field("name", required=True),
        Field("description", required=True),
        _uuid("parent_id"),
        Field("taxonomy"),
        Field("language"),
        _uuid("taxonomy_id"),
        Field("term_uri", format="uri"),
    ),
    (("taxonomy_id", "taxonomy"),),
)
ATTRIBUTE = Table(
    "attribute",
    "attributes.csv",
    (
        ID,
        _uuid("link_id", required=True),
        _uuid("taxonomy_term_id", required=True),
        Field("link_type"),
        Field("link_entity", required=True),
        Field("value"),
    ),
    (("taxonomy_term_id", "taxonomy_term"),),
)
META_TABLE_DESCRIPTION = Table(
    "meta_table_description",
    "meta_table_descriptions.csv",
    (ID, Field("name"), Field("language"), Field("character_set")),
)

TABLES = (
    ORGANIZATION,
    SERVICE,
    LOCATION,
    ADDRESS,
    SERVICE_AT_LOCATION,
    SERVICE_AREA,
    SCHEDULE,
    FUNDING,
    LANGUAGE,
    TAXONOMY,
    TAXONOMY_TERM,
    ATTRIBUTE,
    META_TABLE_DESCRIPTION,
)
