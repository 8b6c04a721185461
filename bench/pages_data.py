"""The province registry of the pages benchmark (``pages.py``): the demo county, copied.

The demo county (元江县, ``manage.py demo_load``: 3,000 households with their statuses, visits,
needs, intake cases, referrals, discovery warnings, stations, projects, public pages and log-ins)
is the template. A larger size copies the template's registry rows into more counties of the
province (and more copies into the demo county itself), in proportion by construction: each copy
of a household brings its members, visits, needs, intake cases, referrals (to the station of the
copy's township), review and visit tasks and warnings. Members get new names (the demo's name
lists) and new valid ID numbers of their county (the demo's ``IdentityMaker``); the ID number's
ciphertext and every lookup hash and search key come from the model fields on ``bulk_create``,
as for the demo and the ledger import. Each county is one transaction, so an interrupted build
resumes with the next county.

The database is the size's own: created (as a copy of the 3k one when that exists) and migrated
when absent; a database found is completed, never migrated (``build``).

| size | counties | copies of the template per county | households |
|---|---|---|---|
| 3k | 1 (the demo county) | 1 | 3,000 |
| 100k | 11 | 3 | 99,000 |
| 1m | 111 | 3 | 999,000 |
"""

import datetime as dt
import os
import random
import time
from dataclasses import dataclass, field

BATCH = 5000
SEED = 17
# Yunnan's prefecture-level codes (GB/T 2260): the copied counties are spread over them.
CITIES = {
    "5301": "昆明市", "5303": "曲靖市", "5304": "玉溪市", "5305": "保山市", "5306": "昭通市",
    "5307": "丽江市", "5308": "普洱市", "5309": "临沧市", "5323": "楚雄彝族自治州",
    "5325": "红河哈尼族彝族自治州", "5326": "文山壮族苗族自治州", "5328": "西双版纳傣族自治州",
    "5329": "大理白族自治州", "5331": "德宏傣族景颇族自治州", "5333": "怒江傈僳族自治州",
    "5334": "迪庆藏族自治州",
}  # fmt: skip
COUNTY_SYLLABLES = "安宝昌大德丰福广和华江景康澜龙禄罗勐弥南宁平清石水思腾文西祥新永元云镇"
SIZES = {"3k": (1, 1), "100k": (11, 3), "1m": (111, 3)}  # counties, copies per county
PROVINCE_LOGIN = ("province", "Yunnan-province-2026")


@dataclass
class Template:
    """The demo county's registry rows, read once (``values()``: clear text, attnames)."""

    county: object
    regions: list = field(default_factory=list)  # townships, then villages
    station_orgs: list = field(default_factory=list)
    station_providers: list = field(default_factory=list)
    stations: list = field(default_factory=list)
    station_categories: list = field(default_factory=list)
    station_areas: list = field(default_factory=list)
    households: list = field(default_factory=list)
    members: list = field(default_factory=list)
    assessments: list = field(default_factory=list)
    needs: list = field(default_factory=list)
    intakes: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    mixes: dict = field(default_factory=dict)  # village pk -> the township's ethnic mix


def county_codes(count: int) -> list[tuple[str, str, str]]:
    """(city code, county code, county name) of ``count`` counties, the demo county first."""
    from bangfu.demo.builder import COUNTY_CODE, place_data

    rng = random.Random(SEED)
    codes = [("5304", COUNTY_CODE, place_data()["county"]["name"])]
    cities = list(CITIES)
    number = 0
    while len(codes) < count:
        city = cities[number % len(cities)]
        code = f"{city}{21 + number // len(cities):02d}"
        number += 1
        if code != COUNTY_CODE:
            codes.append((city, code, "".join(rng.sample(COUNTY_SYLLABLES, 2)) + "县"))
    return codes


def build_registry(size: str, database_url: str) -> dict:
    """Create the database if absent, then build (or complete) the province of ``size``."""
    created = _create_database(database_url, None if size == "3k" else database_url_of("3k"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bangfu.settings", DATABASE_URL=database_url, BANGFU_SCHEDULER="0"
    )
    os.environ.pop("BANGFU_MODE", None)
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # the demo's services log each step they take
    built = build(size, migrate=created)
    print(f"registry of {built['households']:,} households ready in {built['build_s']:.0f} s")
    return {"households": built["households"], "build_s": round(built["build_s"], 1)}


def database_url_of(size: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/bench_pages_{size}"


def _create_database(database_url: str, template: str | None) -> bool:
    """Create the database if absent (and say so): as a copy of the 3k one when that exists (a
    larger province starts from the demo county, whose build is the slow part at small sizes)."""
    import psycopg

    base, _slash, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:

        def exists(database: str) -> bool:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            return connection.execute(query, [database]).fetchone() is not None

        if exists(name):
            return False
        source = template and template.rpartition("/")[2]
        if source and template.rpartition("/")[0] == base and exists(source):
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        else:
            connection.execute(f'CREATE DATABASE "{name}"')
    return True


def build(size: str, *, migrate: bool, progress=print) -> dict:
    """The registry of ``size`` in the configured database; what is there already is kept. A
    database found is not migrated: its schema is the one it was built with (the checkouts
    compared must agree with it)."""
    from django.core.management import call_command

    from bangfu.demo.builder import DemoOptions, demo_build
    from bangfu.registry.models import Household

    started = time.perf_counter()
    if migrate:
        call_command("migrate", verbosity=0)
    result = demo_build(options=DemoOptions(households=3000))
    if result.loaded:
        progress(f"demo county built in {time.perf_counter() - started:.0f} s")
    _province_login()
    counties, copies = SIZES[size]
    template = None
    for index, (city, code, name) in enumerate(county_codes(counties)):
        first_copy = 1 if index == 0 else 0  # the demo county is its own first copy
        if _county_done(code, copies, first_copy):
            continue
        template = template or _template()
        county_started = time.perf_counter()
        _build_county(template, city, code, name, range(first_copy, copies))
        progress(
            f"county {index + 1}/{counties} {code} built in "
            f"{time.perf_counter() - county_started:.1f} s"
        )
        if (index + 1) & index == 0:
            # Statistics each time the registry has doubled: with those of a smaller one, the
            # planner reads every household's members and needs for each batch's summaries, and
            # each county takes longer than the last (26 s -> 129 s by the ninth at 1m).
            _analyse()
    return {"households": Household.objects.count(), "build_s": time.perf_counter() - started}


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("registry_household", "registry_member", "registry_need"):
            cursor.execute(f"ANALYZE {table}")


def _province_login() -> None:
    """A bureau user of the province (云南省民政厅): sees every county's households."""
    from bangfu.accounts.models import Membership, Organisation, User
    from bangfu.regions.models import Region

    username, password = PROVINCE_LOGIN
    if User.objects.filter(username=username).exists():
        return
    province = Region.objects.get(code="53")
    bureau = Organisation.objects.create(
        kind=Organisation.Kind.BUREAU, name="云南省民政厅", region=province
    )
    user = User(username=username, email="province@bench.bangfu.invalid", display_name="省厅")
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, organisation=bureau, role=Membership.Role.BUREAU_STAFF)


def _county_done(code: str, copies: int, first_copy: int) -> bool:
    from bangfu.registry.models import Household

    if first_copy >= copies:
        return True
    return Household.objects.filter(registry_number=_number(code, copies - 1, 0)).exists()


def _number(code: str, copy: int, index: int) -> str:
    """Registry numbers of copies: ``<county>-<copy><index:04d>``; the demo's own start with 0."""
    return f"{code}-{copy}{index:04d}"


def _template() -> Template:
    from bangfu.accounts.models import Organisation
    from bangfu.demo.builder import COUNTY_CODE, place_data
    from bangfu.discovery.models import Flag, Task
    from bangfu.providers.models import Provider, Station
    from bangfu.referrals.models import IntakeCase, Referral
    from bangfu.regions.models import Region, within
    from bangfu.registry.models import Assessment, Household, Member, Need

    county = Region.objects.get(code=COUNTY_CODE)
    t = Template(county=county)
    t.regions = list(
        Region.objects.subtree(county).exclude(pk=county.pk).order_by("level", "pk").values()
    )
    stations = Station.objects.filter(within(county, "organisation__region"))
    t.stations = list(stations.order_by("pk").values())
    t.station_orgs = list(
        Organisation.objects.filter(pk__in=[s["organisation_id"] for s in t.stations]).values()
    )
    t.station_providers = list(
        Provider.objects.filter(pk__in=[s["provider_id"] for s in t.stations]).values()
    )
    t.station_categories = list(
        Station.categories.through.objects.filter(station__in=stations).values()
    )
    t.station_areas = list(
        Station.service_area.through.objects.filter(station__in=stations).values()
    )
    # The demo's own households: copies are numbered from <county>-1….
    households = Household.objects.filter(
        within(county, "region"), registry_number__lt=f"{COUNTY_CODE}-1"
    )
    t.households = list(households.order_by("pk").values())
    t.members = list(Member.objects.filter(household__in=households).order_by("pk").values())
    t.assessments = list(Assessment.objects.filter(household__in=households).values())
    t.needs = list(Need.objects.filter(household__in=households).values())
    t.intakes = list(IntakeCase.objects.filter(household__in=households).values())
    t.referrals = list(Referral.objects.filter(need__household__in=households).values())
    t.tasks = list(Task.objects.filter(household__in=households).values())
    t.flags = list(Flag.objects.filter(household__in=households).values())
    mixes = {item["code"]: item["ethnic"] for item in place_data()["townships"]}
    codes = {r["id"]: r["code"] for r in t.regions}
    t.mixes = {pk: mixes.get(code[:9], {"han": 1}) for pk, code in codes.items()}
    return t


def _copy(model, rows, *, required=None, optional=None, fix=None) -> dict[int, int]:
    """Insert a copy of ``rows`` with their foreign keys mapped; returns old pk -> new pk.

    A row whose ``required`` key is not in its map is left out; an ``optional`` key not in its
    map becomes empty. ``fix(new, old)`` sets what else differs."""
    required, optional = required or {}, optional or {}
    objects, olds = [], []
    for row in rows:
        new = {key: value for key, value in row.items() if key != "id"}
        if any(
            row[key] is not None and row[key] not in mapping for key, mapping in required.items()
        ):
            continue
        for key, mapping in (*required.items(), *optional.items()):
            new[key] = None if row[key] is None else mapping.get(row[key])
        if fix:
            fix(new, row)
        objects.append(model(**new))
        olds.append(row["id"])
    model.objects.bulk_create(objects, batch_size=BATCH)
    return {old: obj.pk for old, obj in zip(olds, objects, strict=True)}


def _build_county(t: Template, city_code: str, code: str, name: str, copies) -> None:
    from django.db import transaction

    from bangfu.core import crypto
    from bangfu.demo.builder import COUNTY_CODE
    from bangfu.demo.families import IdentityMaker
    from bangfu.regions.models import Region, within
    from bangfu.registry.models import Member

    rng = random.Random(f"{SEED}:{code}")
    identities = IdentityMaker(rng, area=code, as_of=dt.date.today())
    with transaction.atomic():
        if code == COUNTY_CODE:
            region_map = {pk: pk for pk in Region.objects.values_list("pk", flat=True)}
            provider_map = {p["id"]: p["id"] for p in t.station_providers}
            # ID numbers of the county already taken (the demo's people).
            members = Member.objects.filter(within(t.county, "household__region"))
            identities.used = {m.id_number[:17] for m in members.only("id_number")}
        else:
            region_map = _copy_regions(t, city_code, code, name)
            provider_map = _copy_stations(t, region_map)
        for copy in copies:
            _copy_registry(t, code, copy, region_map, provider_map, identities, crypto)


def _copy_regions(t: Template, city_code: str, code: str, name: str) -> dict[int, int]:
    from bangfu.regions.models import Region

    province = Region.objects.get(code="53")
    city = Region.objects.filter(code=city_code).first() or Region.objects.create(
        code=city_code, name=CITIES[city_code], level=Region.Level.CITY, parent=province
    )
    county = Region.objects.create(
        code=code,
        name=name,
        level=Region.Level.COUNTY,
        parent=city,
        latitude=t.county.latitude,
        longitude=t.county.longitude,
    )
    region_map = {province.pk: province.pk, t.county.parent_id: city.pk, t.county.pk: county.pk}
    paths = {county.pk: county.path}
    for level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
        rows = [r for r in t.regions if r["level"] == level]

        def fix(new, old):
            new["code"] = code + old["code"][len(t.county.code) :]
            new["path"] = paths[new["parent_id"]] + new["code"] + "/"

        copied = _copy(Region, rows, required={"parent_id": region_map}, fix=fix)
        region_map.update(copied)
        paths.update(Region.objects.filter(pk__in=copied.values()).values_list("pk", "path"))
    return region_map


def _copy_stations(t: Template, region_map: dict) -> dict[int, int]:
    """The county's stations, one a township as in the demo; returns their providers' map."""
    from bangfu.accounts.models import Organisation
    from bangfu.providers.models import Provider, Station

    regions = {"region_id": region_map}
    orgs = _copy(Organisation, t.station_orgs, required=regions)
    providers = _copy(Provider, t.station_providers, required=regions)
    stations = _copy(
        Station,
        t.stations,
        required={"organisation_id": orgs, "provider_id": providers},
    )
    through = {"station_id": stations}
    _copy(Station.categories.through, t.station_categories, required=through)
    _copy(Station.service_area.through, t.station_areas, required={**through, **regions})
    return providers


def _copy_registry(t, code, copy, region_map, provider_map, identities, crypto) -> None:
    from bangfu.discovery.models import Flag, Task
    from bangfu.referrals.desk_order import refresh_desk_order
    from bangfu.referrals.models import IntakeCase, Referral
    from bangfu.registry.models import Assessment, Household, Member, Need
    from bangfu.registry.summaries import refresh_household_summaries

    index = {row["id"]: number for number, row in enumerate(t.households)}
    regions = {"region_id": region_map}

    def household(new, old):
        new["registry_number"] = _number(code, copy, index[old["id"]])

    households = _copy(Household, t.households, required=regions, fix=household)
    village = {row["id"]: row["region_id"] for row in t.households}
    surnames: dict[int, tuple[str, str]] = {}  # household -> (old surname, new surname)
    names = identities.names

    def member(new, old):
        birth, sex = old["birth_date"], old["sex"]
        new["id_number"] = identities.id_number(birth, sex)
        new["id_number_hash"] = crypto.lookup_hash(new["id_number"])
        people = names.people(t.mixes.get(village[old["household_id"]], {"han": 1}))
        old_surname, surname = surnames.setdefault(
            old["household_id"], (old["name"][:1], names.surname(people))
        )
        new["name"] = names.full(
            sex=sex,
            birth_year=birth.year,
            people=people,
            surname=surname if old["name"].startswith(old_surname) else "",
        )

    members = _copy(Member, t.members, required={"household_id": households}, fix=member)
    owned = {"household_id": households}
    assessments = _copy(Assessment, t.assessments, required=owned)
    needs = _copy(Need, t.needs, required={**owned, "assessment_id": assessments})
    # The list's counts, as the registry's bulk writers keep them (copied rows carry the
    # template's; the county comes from the village in ``bulk_create``).
    refresh_household_summaries(households.values())
    intakes = _copy(
        IntakeCase,
        t.intakes,
        required={**owned, **regions},
        optional={"need_id": needs},
        fix=lambda new, old: new.update(reference=""),
    )
    _copy(
        Referral,
        t.referrals,
        # Referrals to the township's station are copied; those to volunteers and projects
        # (a minority) are not: their providers are the demo county's.
        required={"intake_id": intakes, "need_id": needs, "provider_id": provider_map},
        fix=lambda new, old: new.update(slot=None),
    )
    # The desk's order, as the referral services keep it (the copied cases carry the
    # template's, and those whose referral was not copied have none live).
    refresh_desk_order(intakes.values())
    tasks = _copy(
        Task,
        t.tasks,
        required={**owned, **regions},
        optional={"candidate_id": {}, "decision_id": {}, "assessment_id": assessments},
    )
    _copy(
        Flag,
        t.flags,
        required={**owned, **regions},
        optional={"member_id": members, "candidate_id": {}, "record_id": {}, "task_id": tasks},
        fix=lambda new, old: new.update(key=f"{old['key'][:140]}~{code}:{copy}"),
    )
