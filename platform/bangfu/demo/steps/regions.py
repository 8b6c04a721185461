"""Yunnan → Yuxi → Yuanjiang → its ten townships → their villages and communities."""

import math
from decimal import Decimal

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, place_data
from bangfu.regions.models import Region

KM_PER_DEGREE = 111.0
SIX_PLACES = Decimal("0.000001")


def jitter(rng, lat: Decimal, lon: Decimal, radius_km: float) -> tuple[Decimal, Decimal]:
    """A point uniformly spread over a disc of ``radius_km`` around (lat, lon)."""
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / KM_PER_DEGREE
    dlon = distance * math.sin(angle) / (KM_PER_DEGREE * math.cos(math.radians(float(lat))))
    return (
        (lat + Decimal(str(dlat))).quantize(SIX_PLACES),
        (lon + Decimal(str(dlon))).quantize(SIX_PLACES),
    )


def _upsert(*, code, name, level, parent, lat, lon, name_en="") -> Region:
    region, _created = Region.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "level": level,
            "parent": parent,
            "latitude": lat,
            "longitude": lon,
        },
    )
    return region


class RegionsStep(Step):
    name = "regions"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        data = place_data()
        parent = None
        for key, level in (
            ("province", Region.Level.PROVINCE),
            ("city", Region.Level.CITY),
            ("county", Region.Level.COUNTY),
        ):
            item = data[key]
            parent = _upsert(
                code=item["code"],
                name=item["name"],
                name_en=item["name_en"],
                level=level,
                parent=parent,
                lat=Decimal(item["lat"]),
                lon=Decimal(item["lon"]),
            )
            ctx.regions[item["code"]] = parent
        county = parent
        for item in data["townships"]:
            lat, lon = Decimal(item["lat"]), Decimal(item["lon"])
            township = _upsert(
                code=item["code"],
                name=item["name"],
                name_en=item["name_en"],
                level=Region.Level.TOWNSHIP,
                parent=county,
                lat=lat,
                lon=lon,
            )
            ctx.regions[township.code] = township
            ctx.townships.append(township)
            for village_item in item["villages"]:
                # Communities are the township's seat; villages lie out in the hills.
                radius = item["spread_km"] * (0.25 if village_item["kind"] == "community" else 1)
                v_lat, v_lon = jitter(rng, lat, lon, radius)
                village = _upsert(
                    code=item["code"] + village_item["suffix"],
                    name=village_item["name"],
                    level=Region.Level.VILLAGE,
                    parent=township,
                    lat=v_lat,
                    lon=v_lon,
                )
                ctx.regions[village.code] = village
                ctx.villages.append(village)
                ctx.township_of[village.pk] = township
        ctx.count("regions", len(ctx.regions))

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is not None:
            subtree = Region.objects.subtree(county)
            for level in (Region.Level.VILLAGE, Region.Level.TOWNSHIP, Region.Level.COUNTY):
                subtree.filter(level=level).delete()
        # The city and province stay when something else hangs below them.
        data = place_data()
        for key in ("city", "province"):
            Region.objects.filter(code=data[key]["code"], children__isnull=True).delete()
