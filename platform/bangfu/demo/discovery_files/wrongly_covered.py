"""The files that show someone covered who may not qualify (错保): deaths, vehicles, real
estate, businesses and the public payroll."""

import datetime as dt

from bangfu.demo.discovery_files.rows import _csv, _xlsx
from bangfu.discovery.models import Source
from bangfu.registry.models import Tier, age_on


def _wrongly_covered_files(rng, by_tier, villages, strangers, as_of: dt.date) -> list:
    """The files that show someone covered who may not qualify (错保; 001: 「户籍…不动产登记、
    市场主体登记…车船登记」): a few covered people in each, beside rows that must raise nothing
    (people of no status, a covered household's only home, strangers the import drops)."""
    covered = [m for tier, members in by_tier.items() if tier != Tier.NONE for m in members]
    uncovered = by_tier.get(Tier.NONE, [])
    adults = [m for m in covered if 25 <= age_on(m.birth_date, as_of) < 60]
    files = []

    def pick(pool, number):
        pool = [m for m in pool if m.pk not in used]
        chosen = rng.sample(pool, min(number, len(pool)))
        used.update(m.pk for m in chosen)
        return chosen

    def others(number, *, age=(25, 60)):
        return [strangers.make(rng.choice(villages), age=rng.randint(*age), as_of=as_of)
                for _ in range(number)]  # fmt: skip

    def day(low, high):
        return (as_of - dt.timedelta(days=rng.randint(low, high))).isoformat()

    used: set[int] = set()
    headers = ["身份证号", "姓名", "村(社区)代码"]

    # 公安局、卫健委: deaths. Covered elderly people who died last month, and strangers.
    elderly = [m for m in covered if age_on(m.birth_date, as_of) >= 75]
    deaths = [[m.id_number, m.name, "", day(15, 80)] for m in pick(elderly, 3)]
    deaths += [[p.id_number, p.name, p.village.code, day(5, 200)] for p in others(4, age=(60, 90))]
    files.append(
        (
            Source.DEATHS,
            f"死亡人员信息{as_of:%Y%m}.csv",
            _csv([*headers, "死亡日期"], deaths, encoding="gb18030"),
            as_of,
        )
    )

    # 公安交管: vehicles. A car or two in covered households, a farm tricycle, and vehicles of
    # people with no status (no warning).
    vehicles = []
    for member, (kind, low, high) in zip(
        pick(adults, 3),
        (
            ("小型轿车", 60_000, 150_000),
            ("小型普通客车", 50_000, 120_000),
            ("三轮汽车", 4_000, 9_000),
        ),
        strict=False,
    ):
        vehicles.append(_vehicle_row(rng, member.id_number, member.name, "", kind, low, high, day))
    for member in pick(uncovered, 2):
        vehicles.append(
            _vehicle_row(rng, member.id_number, member.name, "", "小型轿车", 40_000, 90_000, day)
        )
    for person in others(3):
        vehicles.append(
            _vehicle_row(rng, person.id_number, person.name, person.village.code, "小型轿车",
                         50_000, 200_000, day)
        )  # fmt: skip
    files.append(
        (
            Source.VEHICLES,
            f"机动车登记信息{as_of:%Y%m}.xlsx",
            _xlsx(
                f"元江县机动车登记信息（截至{as_of:%Y年%m月%d日}）",
                [*headers, "号牌号码", "车辆类型", "登记日期", "车辆价值(元)"],
                vehicles,
            ),
            as_of,
        )
    )

    # 不动产登记中心: a covered household with a second property (a shop in town) and others
    # with only their home (no warning).
    numbers = iter(rng.sample(range(1, 99_999), 10))

    def certificate(registered: str) -> str:
        return f"云({registered[:4]})元江县不动产权第{next(numbers):07d}号"

    owners = pick(adults, 3)
    property_rows = []
    for number, member in enumerate(owners):
        uses = ("住宅", "商业服务") if number == 0 else ("住宅",)
        for use in uses:
            registered = day(60, 2_000)
            property_rows.append(
                [member.id_number, member.name, "", certificate(registered), use, registered]
            )
    files.append(
        (
            Source.PROPERTY,
            f"不动产登记信息{as_of:%Y%m}.csv",
            _csv(
                [*headers, "不动产权证号", "用途", "登记日期"], property_rows, encoding="utf-8-sig"
            ),
            as_of,
        )
    )

    # 市场监管局: businesses run by covered people, and by strangers.
    business = []
    for member, trade in zip(pick(adults, 2), ("副食店", "农资经营部"), strict=False):
        business.append(
            [member.id_number, member.name, "", f"元江县{member.name[0]}记{trade}", "经营者",
             day(100, 1_500)]
        )  # fmt: skip
    for person in others(3):
        business.append(
            [person.id_number, person.name, person.village.code,
             f"元江县{person.name[0]}氏{rng.choice(('餐馆', '五金店', '养殖场'))}", "经营者",
             day(100, 2_500)]
        )  # fmt: skip
    files.append(
        (
            Source.BUSINESS,
            f"个体工商户和企业登记{as_of:%Y%m}.csv",
            _csv([*headers, "市场主体名称", "身份", "成立日期"], business, encoding="gb18030"),
            as_of,
        )
    )

    # 财政局: people paid from public funds: one in a covered household, and strangers.
    employers = ("元江县第一中学", "元江县人民医院", "因远镇中心卫生院", "元江县自然资源局")
    payroll = [
        [m.id_number, m.name, "", rng.choice(employers), day(200, 1_500)] for m in pick(adults, 1)
    ]
    payroll += [
        [p.id_number, p.name, p.village.code, rng.choice(employers), day(200, 5_000)]
        for p in others(4, age=(23, 58))
    ]
    files.append(
        (
            Source.PUBLIC_PAYROLL,
            f"财政供养人员信息{as_of:%Y%m}.csv",
            _csv([*headers, "工作单位", "入职日期"], payroll, encoding="utf-8-sig"),
            as_of,
        )
    )
    return files


def _vehicle_row(rng, number, name, village_code, kind, low, high, day) -> list:
    plate = f"云F{rng.choice('ABCDEFGHJK')}{rng.randint(1000, 9999)}"
    return [number, name, village_code, plate, kind, day(30, 1_500), f"{rng.randint(low, high)}.00"]
