"""The public service directory as HSDS tables: rows of plain values, built from the models.

What goes in is what the public may see already: organisations by name, kind and region (never
their staff, phones or registration numbers); each station's services, one per category it
offers, at the station's public address; procured projects as their notice (公示) shows them
(``bangfu.procurement.public``); charity offers as they are listed (``bangfu.offers.public``);
the service categories as one taxonomy. Volunteers are people, so they are not in it, and
neither is any household. Projects and offers are delivered across an area, not at a site: they
have service areas and no location.

The whole directory is built at once, in Chinese whatever the request's language, in a dozen
queries plus those of the notices: a county has some hundreds of rows.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from bangfu.accounts.models import Organisation
from bangfu.api.hsds import tables
from bangfu.api.hsds.tables import uid
from bangfu.offers.models import Charity, Offer
from bangfu.offers.public import OfferNotice, listed_offer_notices
from bangfu.procurement.models import Project, ProjectLine
from bangfu.procurement.public import ProjectNotice, project_notices
from bangfu.providers.models import Station
from bangfu.regions.models import Region
from bangfu.registry.models import ServiceCategory

Kind = Organisation.Kind
PUBLIC_KINDS = (Kind.BUREAU, Kind.STATION, Kind.AGENCY)
PROJECT_STATUS = {
    Project.Status.APPROVED: "inactive",  # contracted, delivery not started
    Project.Status.IN_PROGRESS: "active",
    Project.Status.CLOSED: "defunct",
}


@dataclass
class Directory:
    """Table name -> its rows (dicts of the table's columns; a column without a value is
    absent from the row)."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: tables.Table, **values) -> dict:
        row = {name: values[name] for name in table.columns if values.get(name) is not None}
        self.rows[table.name].append(row)
        return row

    def table(self, table: tables.Table) -> list[dict]:
        return self.rows[table.name]


def timestamp(moment: dt.datetime) -> str:
    """HSDS's ``last_modified``: UTC with milliseconds, as its examples write it."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


class _Places:
    """Regions by code, with their ancestors: full names and centres of the places used."""

    def __init__(self, codes):
        found = list(Region.objects.filter(code__in=set(codes)).only("code", "path"))
        above = {code for region in found for code in region.path.split("/") if code}
        self.by_code = {region.code: region for region in Region.objects.filter(code__in=above)}

    def chain(self, code: str) -> list[Region]:
        region = self.by_code[code]
        return [self.by_code[part] for part in region.path.split("/") if part in self.by_code]

    def full_name(self, code: str) -> str:
        return "".join(region.name for region in self.chain(code))

    def at_level(self, code: str, level: int) -> Region | None:
        return next((r for r in self.chain(code) if r.level == level), None)


def build_directory() -> Directory:
    """Every table of the directory, in Chinese."""
    with translation.override("zh-hans"):
        return _Builder().build()


class _Builder:
    def __init__(self):
        self.directory = Directory()
        self.taxonomy_id = uid("taxonomy", tables.TAXONOMY_NAME)

    def build(self) -> Directory:
        stations = list(
            Station.objects.filter(organisation__is_active=True)
            .select_related("organisation__region", "provider")
            .prefetch_related("categories", "service_area")
            .order_by("organisation__region__path", "organisation__name", "pk")
        )
        projects = project_notices()
        project_links = _project_links([notice.pk for notice in projects])
        offers = listed_offer_notices()
        offer_links = _offer_links([notice.pk for notice in offers])
        organisations = list(
            Organisation.objects.filter(
                Q(is_active=True)
                & (
                    Q(kind__in=PUBLIC_KINDS)
                    | Q(kind=Kind.CHARITY, charity__status=Charity.Status.APPROVED)
                )
                | Q(pk__in=[links["agency"] for links in project_links.values()])
            )
            .select_related("region", "charity")
            .order_by("region__path", "name", "pk")
        )
        self.places = _Places(
            [organisation.region.code for organisation in organisations]
            + [code for station in stations for code in _station_area(station)]
            + [
                code
                for links in [*project_links.values(), *offer_links.values()]
                for code in links["area"]
            ]
        )
        self._taxonomy()
        for organisation in organisations:
            self._organisation(organisation)
        for station in stations:
            self._station(station)
        for notice in projects:
            self._project(notice, project_links[notice.pk])
        for notice in offers:
            self._offer(notice, offer_links[notice.pk])
        return self.directory

    # --- the taxonomy ----------------------------------------------------------------------

    def _taxonomy(self) -> None:
        self.directory.add(
            tables.TAXONOMY,
            id=self.taxonomy_id,
            name=tables.TAXONOMY_NAME,
            description=_(
                "The service categories of the Bangfu platform, shared by needs, stations, "
                "procured projects and charity offers."
            ),
        )
        categories = list(ServiceCategory.objects.select_related("parent"))
        for category in categories:
            self.directory.add(
                tables.TAXONOMY_TERM,
                id=uid("service-category", category.code),
                code=category.code,
                name=category.name,
                description=_("%(kind)s: %(name)s")
                % {"kind": category.get_kind_display(), "name": category.name},
                parent_id=uid("service-category", category.parent.code)
                if category.parent
                else None,
                taxonomy=tables.TAXONOMY_NAME,
                language=tables.LANGUAGE_CODE,
                taxonomy_id=self.taxonomy_id,
            )

    # --- organisations ---------------------------------------------------------------------

    def _organisation(self, organisation: Organisation) -> None:
        introduction = (
            organisation.charity.introduction.strip() if organisation.kind == Kind.CHARITY else ""
        )
        self.directory.add(
            tables.ORGANIZATION,
            id=uid("organization", organisation.pk),
            name=organisation.name,
            description=introduction
            or _("%(kind)s in %(place)s")
            % {
                "kind": organisation.get_kind_display(),
                "place": self.places.full_name(organisation.region.code),
            },
        )

    # --- services --------------------------------------------------------------------------

    def _service(self, key: str, organisation_pk: int, *, categories, area, **values) -> str:
        """A service with its language, its categories (attributes) and its service areas."""
        service_id = uid("service", key)
        self.directory.add(
            tables.SERVICE,
            id=service_id,
            organization_id=uid("organization", organisation_pk),
            **values,
        )
        self.directory.add(
            tables.LANGUAGE,
            id=uid("language", key),
            service_id=service_id,
            name=tables.LANGUAGE_NAME,
            code=tables.LANGUAGE_CODE,
            note=tables.LANGUAGE_TAG,
        )
        for code in categories:
            self.directory.add(
                tables.ATTRIBUTE,
                id=uid("attribute", key, code),
                link_id=service_id,
                taxonomy_term_id=uid("service-category", code),
                link_type="service_category",
                link_entity="service",
            )
        for code in area:
            self.directory.add(
                tables.SERVICE_AREA,
                id=uid("service-area", key, code),
                service_id=service_id,
                name=self.places.full_name(code),
                description=_("Administrative division code (GB/T 2260): %(code)s")
                % {"code": code},
            )
        return service_id

    def _station(self, station: Station) -> None:
        organisation, provider = station.organisation, station.provider
        township = organisation.region
        location_id = uid("location", "station", station.pk)
        self.directory.add(
            tables.LOCATION,
            id=location_id,
            location_type="physical",
            organization_id=uid("organization", organisation.pk),
            name=organisation.name,
            description=_("The coordinates are those of the township's centre."),
            latitude=_number(township.latitude),
            longitude=_number(township.longitude),
        )
        if organisation.address.strip():
            self._address(station, location_id)
        if station.opening_hours.strip():
            self.directory.add(
                tables.SCHEDULE,
                id=uid("schedule", "station", station.pk),
                location_id=location_id,
                description=station.opening_hours.strip(),
            )
        if not provider.is_active:
            status = "inactive"
        elif provider.is_paused:
            status = "temporarily closed"
        else:
            status = "active"
        for category in sorted(station.categories.all(), key=lambda c: (c.sort_order, c.code)):
            key = f"station:{station.pk}:{category.code}"
            service_id = self._service(
                key,
                organisation.pk,
                categories=[category.code],
                area=_station_area(station),
                name=f"{organisation.name}·{category.name}",
                description=_(
                    "%(station)s, the social-work station of %(township)s, offers %(category)s."
                )
                % {
                    "station": organisation.name,
                    "township": township.name,
                    "category": category.name,
                },
                status=status,
            )
            self.directory.add(
                tables.SERVICE_AT_LOCATION,
                id=uid("service-at-location", key),
                service_id=service_id,
                location_id=location_id,
            )

    def _address(self, station: Station, location_id: str) -> None:
        code = station.organisation.region.code
        province = self.places.at_level(code, Region.Level.PROVINCE)
        city = self.places.at_level(code, Region.Level.CITY)
        county = self.places.at_level(code, Region.Level.COUNTY)
        self.directory.add(
            tables.ADDRESS,
            id=uid("address", "station", station.pk),
            location_id=location_id,
            address_1=station.organisation.address.strip(),
            city=(city or county or station.organisation.region).name,
            region="".join(r.name for r in (county, station.organisation.region) if r),
            state_province=province.name if province else "",
            # Not recorded: HSDS requires the field, so it is present and empty.
            postal_code="",
            country="CN",
            address_type="physical",
        )

    def _project(self, notice: ProjectNotice, links: dict) -> None:
        key = f"project:{notice.pk}"
        service_id = self._service(
            key,
            links["agency"],
            categories=links["categories"],
            area=links["area"],
            name=notice.name,
            description=notice.description.strip() or None,
            status=PROJECT_STATUS[links["status"]],
            last_modified=timestamp(links["updated_at"]),
        )
        if notice.funding_source:
            self.directory.add(
                tables.FUNDING,
                id=uid("funding", key),
                service_id=service_id,
                source=notice.funding_source,
            )

    def _offer(self, notice: OfferNotice, links: dict) -> None:
        delivery = notice.delivery + (f"：{notice.delivery_note}" if notice.delivery_note else "")
        self._service(
            f"offer:{notice.pk}",
            links["charity"],
            categories=links["categories"],
            area=links["area"],
            name=notice.title,
            description=notice.description.strip() or None,
            status="active" if notice.is_current else "inactive",
            application_process=delivery,
            eligibility_description="；".join(notice.eligibility),
            last_modified=timestamp(links["updated_at"]),
        )


def _station_area(station: Station) -> list[str]:
    codes = sorted(region.code for region in station.service_area.all())
    return codes or [station.organisation.region.code]


def _project_links(pks: list[int]) -> dict[int, dict]:
    """What links each published project to the rest of the directory: its agency, service
    area (the buying region when none is given), categories, status and last change."""
    links = {
        pk: {
            "agency": agency,
            "status": status,
            "updated_at": updated_at,
            "area": set(),
            "buyer": buyer,
            "categories": set(),
        }
        for pk, agency, status, updated_at, buyer in Project.objects.filter(pk__in=pks).values_list(
            "pk", "agency_id", "status", "updated_at", "region__code"
        )
    }
    for pk, code in Project.objects.filter(pk__in=pks, service_area__isnull=False).values_list(
        "pk", "service_area__code"
    ):
        links[pk]["area"].add(code)
    for pk, code in ProjectLine.objects.filter(project_id__in=pks).values_list(
        "project_id", "item__category__code"
    ):
        links[pk]["categories"].add(code)
    for found in links.values():
        found["area"] = sorted(found["area"]) or [found["buyer"]]
        found["categories"] = sorted(found["categories"])
    return links


def _offer_links(pks: list[int]) -> dict[int, dict]:
    """Each listed offer's charity, area (the charity's region when none is chosen, as the
    offer's notice has it), categories and last change."""
    links = {
        pk: {
            "charity": charity,
            "updated_at": updated_at,
            "area": set(),
            "home": home,
            "categories": {category},
        }
        for pk, charity, updated_at, home, category in Offer.objects.filter(pk__in=pks).values_list(
            "pk",
            "charity__organisation_id",
            "updated_at",
            "charity__organisation__region__code",
            "category__code",
        )
    }
    for pk, code in Offer.objects.filter(pk__in=pks, regions__isnull=False).values_list(
        "pk", "regions__code"
    ):
        links[pk]["area"].add(code)
    for pk, code in Offer.objects.filter(pk__in=pks, need_categories__isnull=False).values_list(
        "pk", "need_categories__code"
    ):
        links[pk]["categories"].add(code)
    for found in links.values():
        found["area"] = sorted(found["area"]) or [found["home"]]
        found["categories"] = sorted(found["categories"])
    return links
