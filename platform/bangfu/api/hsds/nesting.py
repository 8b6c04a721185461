"""The directory's tables joined into the objects HSDS's API returns: a list item carries its
one-to-one relations (a service its organisation), a full object its one-to-many ones as well
(a service its areas, languages, categories and locations), as the compiled schemas
(schema/compiled/*.json) nest them."""

from collections import defaultdict

from bangfu.api.hsds import tables
from bangfu.api.hsds.directory import Directory


def _by(rows: list[dict], column: str) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for row in rows:
        if column in row:
            grouped[row[column]].append(row)
    return grouped


class Nested:
    """Lookups over one built directory and the objects nested from it."""

    def __init__(self, directory: Directory):
        table = directory.table
        self.organizations = table(tables.ORGANIZATION)
        self.services = table(tables.SERVICE)
        self.service_at_locations = table(tables.SERVICE_AT_LOCATION)
        self.taxonomies = table(tables.TAXONOMY)
        self.taxonomy_terms = table(tables.TAXONOMY_TERM)
        self.organization = {row["id"]: row for row in self.organizations}
        self.location = {row["id"]: row for row in table(tables.LOCATION)}
        self.term = {row["id"]: row for row in self.taxonomy_terms}
        self.taxonomy = {row["id"]: row for row in self.taxonomies}
        self.services_of = _by(self.services, "organization_id")
        self.locations_of = _by(table(tables.LOCATION), "organization_id")
        self.addresses = _by(table(tables.ADDRESS), "location_id")
        self.location_schedules = _by(table(tables.SCHEDULE), "location_id")
        self.sals_of = _by(self.service_at_locations, "service_id")
        self.areas = _by(table(tables.SERVICE_AREA), "service_id")
        self.languages = _by(table(tables.LANGUAGE), "service_id")
        self.attributes = _by(table(tables.ATTRIBUTE), "link_id")
        self.funding = _by(table(tables.FUNDING), "service_id")
        self.service = {row["id"]: row for row in self.services}
        self.service_terms = {
            row["id"]: {a["taxonomy_term_id"] for a in self.attributes[row["id"]]}
            for row in self.services
        }

    # --- taxonomies ------------------------------------------------------------------------

    def taxonomy_term_object(self, term: dict) -> dict:
        return {**term, "taxonomy_detail": self.taxonomy[term["taxonomy_id"]]}

    # --- locations -------------------------------------------------------------------------

    def location_object(self, location: dict) -> dict:
        return {
            **location,
            "addresses": self.addresses[location["id"]],
            "schedules": self.location_schedules[location["id"]],
        }

    # --- services --------------------------------------------------------------------------

    def service_list_item(self, service: dict) -> dict:
        return {**service, "organization": self.organization[service["organization_id"]]}

    def service_object(self, service: dict, *, with_locations: bool = True) -> dict:
        found = {
            **self.service_list_item(service),
            "service_areas": self.areas[service["id"]],
            "languages": self.languages[service["id"]],
            "funding": self.funding[service["id"]],
            "attributes": [
                {
                    **attribute,
                    "taxonomy_term": self.taxonomy_term_object(
                        self.term[attribute["taxonomy_term_id"]]
                    ),
                }
                for attribute in self.attributes[service["id"]]
            ],
        }
        if with_locations:
            found["service_at_locations"] = [
                {**sal, "location": self.location_object(self.location[sal["location_id"]])}
                for sal in self.sals_of[service["id"]]
            ]
        return found

    def search_text(self, service: dict) -> str:
        terms = [self.term[term]["name"] for term in self.service_terms[service["id"]]]
        organization = self.organization[service["organization_id"]]["name"]
        return " ".join([service["name"], service.get("description", ""), organization, *terms])

    # --- service at location ---------------------------------------------------------------

    def service_at_location_list_item(self, sal: dict) -> dict:
        return {
            **sal,
            "location": self.location[sal["location_id"]],
            "service": self.service_list_item(self.service[sal["service_id"]]),
        }

    def service_at_location_object(self, sal: dict) -> dict:
        return {
            **sal,
            "location": self.location_object(self.location[sal["location_id"]]),
            "service": self.service_object(self.service[sal["service_id"]], with_locations=False),
        }

    # --- organisations ---------------------------------------------------------------------

    def organization_object(self, organization: dict, *, full_service: bool = False) -> dict:
        services = self.services_of[organization["id"]]
        return {
            **organization,
            "services": [
                self.service_object(service) if full_service else service for service in services
            ],
            "locations": [
                self.location_object(row) for row in self.locations_of[organization["id"]]
            ],
        }
