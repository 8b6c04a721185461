"""The synthetic county and ledger of the ledger benchmarks (``ledger_import.py``,
``identity_refusals.py``): deterministic by seed, valid as the registry's rules require."""

import csv
import datetime as dt
import io
import random
from pathlib import Path

SEED = 20240301
COUNTY = ("530428", "元江哈尼族彝族傣族自治县")
TOWNSHIPS = [
    ("001", "澧江街道"),
    ("002", "红河街道"),
    ("003", "甘庄街道"),
    ("101", "曼来镇"),
    ("102", "因远镇"),
    ("201", "羊街乡"),
    ("202", "那诺乡"),
    ("203", "洼垤乡"),
    ("204", "咪哩乡"),
    ("205", "龙潭乡"),
]
VILLAGE_SYLLABLES = "安宝昌大东丰福岗和红华江金康朗龙曼南平清仁三山石水太天田新阳沿因玉园"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩"
    "冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈白普"
)
GIVEN = "明华国建文军平志伟芳秀英兰玉珍桂凤丽红春海金成强德光福荣顺永祥贵忠学云霞娟梅琼"
# 临时救助 is a grant now, not a status: its former 5% are households without one (listed twice
# so that the draws, and so every ledger the benchmarks make, stay what they were).
TIERS = [("低保", 55), ("低保边缘", 20), ("特困", 8), ("支出型困难", 7), ("无", 5), ("无", 5)]
DISABILITIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
BAD_SHARE = 0.01


def make_county() -> list[str]:
    from bangfu.accounts.models import Membership, Organisation, User
    from bangfu.regions.models import Region

    level = Region.Level
    province = Region.objects.create(code="53", name="云南省", level=level.PROVINCE)
    city = Region.objects.create(code="5304", name="玉溪市", level=level.CITY, parent=province)
    county = Region.objects.create(code=COUNTY[0], name=COUNTY[1], level=level.COUNTY, parent=city)
    names = random.Random(SEED)
    villages = []
    for code, name in TOWNSHIPS:
        town = Region.objects.create(
            code=county.code + code, name=name, level=level.TOWNSHIP, parent=county
        )
        for number in range(12):
            urban = code.startswith("0") and number < 4
            suffix = f"{number + 1:03d}" if urban else f"{number + 201:03d}"
            village = Region.objects.create(
                code=town.code + suffix,
                name="".join(names.sample(VILLAGE_SYLLABLES, 2)) + ("社区" if urban else "村"),
                level=level.VILLAGE,
                parent=town,
            )
            villages.append(village.code)
    bureau = Organisation.objects.create(
        kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county
    )
    user = User.objects.create_user("bench_bureau", password=None)
    Membership.objects.create(user=user, organisation=bureau, role=Membership.Role.BUREAU_STAFF)
    return villages


def make_ledger(
    rng: random.Random, villages: list[str], households: int, *, max_rows: int | None = None
) -> list[dict]:
    """``households`` households; with ``max_rows``, cut after that many member rows (a cut
    household keeps its head, who comes first)."""
    from bangfu.core.id_numbers import check_character

    used: set[str] = set()

    def id_number(age: int, male: bool) -> str:
        while True:
            birth = dt.date(2024 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            sequence = rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{COUNTY[0]}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in used:
                used.add(first17)
                return first17 + check_character(first17)

    def name(surname: str | None = None) -> str:
        given = "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        return (surname or rng.choice(SURNAMES)) + given

    rows = []
    tiers, weights = zip(*TIERS, strict=True)
    for number in range(1, households + 1):
        if max_rows is not None and len(rows) >= max_rows:
            break
        village = rng.choice(villages)
        household = {
            "户编号": f"{COUNTY[0]}-{number:05d}",  # validate_registry_number's pattern
            "村(社区)代码": village,
            "家庭住址": f"{rng.randrange(1, 12)}组{rng.randrange(1, 80)}号",
            "联系电话": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            "救助类别": rng.choices(tiers, weights)[0],
            "纳入日期": dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
            "下次复核日期": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365)),
            # Derived, not drawn, so the draws above stay as they were: urban communities are
            # numbered 001-004 (``make_county``); every third household has asset data.
            "城乡": "城镇" if village[-3] == "0" else "农村",
            "家庭金融资产(元)": f"{number * 7919 % 40000}.00" if number % 3 == 0 else None,
        }
        size = rng.choices((1, 2, 3, 4, 5), (15, 25, 25, 20, 15))[0]
        head_male = rng.random() < 0.7
        head_age = rng.randrange(28, 88)
        surname = rng.choice(SURNAMES)
        people = [("户主", head_age, head_male, surname)]
        if size >= 2:
            people.append(("配偶", head_age + rng.randrange(-5, 6), not head_male, None))
        for _ in range(max(0, size - len(people) - (1 if size == 5 else 0))):
            people.append(
                ("子女", max(0, head_age - rng.randrange(20, 35)), rng.random() < 0.5, surname)
            )
        if size == 5:
            people.append(("父母", min(99, head_age + rng.randrange(22, 30)), False, None))
        for relation, age, male, family_name in people:
            disabled = rng.random() < 0.08
            income = (
                "0"
                if age < 18 or age > 70
                else f"{rng.randrange(0, 2500)}.{rng.randrange(100):02d}"
            )
            rows.append(
                {
                    **household,
                    "姓名": name(family_name),
                    "身份证号": id_number(age, male),
                    "与户主关系": relation,
                    "残疾类别": rng.choice(DISABILITIES) if disabled else "无",
                    "残疾等级": f"{'一二三四'[rng.randrange(4)]}级" if disabled else None,
                    "疾病情况": rng.choices(("无", "慢性病", "重病"), (80, 15, 5))[0],
                    "疾病说明": "",
                    "照料等级": rng.choices(("自理", "半护理", "全护理"), (85, 10, 5))[0],
                    "劳动能力": rng.choice(("有劳动能力", "部分丧失劳动能力", "无劳动能力")),
                    "月收入(元)": income,
                    "收入不稳定": rng.choice("是否"),
                    "已就业": "是" if income != "0" else "否",
                    "孤儿": "否",
                    "事实无人抚养儿童": "否",
                    "革命五老": "是" if age > 90 and rng.random() < 0.2 else "否",
                }
            )
    return rows[:max_rows]


def spoil(rng: random.Random, rows: list[dict], villages: list[str]):
    """A copy with 1% of rows made wrong in ways that each give exactly one error on that row."""
    bad = [dict(row) for row in rows]
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["户编号"]] = sizes.get(row["户编号"], 0) + 1
    spoiled: set[int] = set()
    indexes = sorted(rng.sample(range(1, len(rows)), int(len(rows) * BAD_SHARE)))
    for kind, index in enumerate(indexes):
        row = bad[index]
        head = row["与户主关系"] == "户主"
        match kind % 10:
            case 0:
                digit = row["身份证号"][-1]
                row["身份证号"] = row["身份证号"][:-1] + ("0" if digit != "0" else "1")
            case 1:
                row["月收入(元)"] = "-100"
            case 2:
                row["月收入(元)"] = "一千"
            case 3:
                row["救助类别"] = "五保"
            case 4:
                row["残疾类别"], row["残疾等级"] = "无", "二级"
            case 5:
                row["纳入日期"] = "去年"
            case 6 if sizes[row["户编号"]] == 1:
                row["村(社区)代码"] = villages[0][:-3] + "999"
            case 7 if not head:
                row["与户主关系"] = "邻居"
            case 8:
                row["姓名"] = ""
            case _ if index - 1 not in spoiled:
                row["身份证号"] = bad[index - 1]["身份证号"]  # the person of the row above
            case _:
                row["月收入(元)"] = "-1"
        spoiled.add(index)
    return bad, {index + 2 for index in spoiled}  # as Excel numbers rows: the header is row 1


def write_xlsx(path: Path, rows: list[dict]) -> None:
    from openpyxl import Workbook

    from bangfu.registry.ledger import LEDGER_COLUMNS

    headers = [column.header for column in LEDGER_COLUMNS]
    # The sheet's size declared up front, as Excel and WPS write it; but strings inline, where
    # they share them, and inline strings read slower. Our own export streams and declares no
    # size: that reads as fast since the reader stopped looking for it.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    workbook.save(path)


def write_csv(path: Path, rows: list[dict]) -> None:
    from bangfu.registry.ledger import LEDGER_COLUMNS

    headers = [column.header for column in LEDGER_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else str(row[h]) for h in headers])
    path.write_bytes(buffer.getvalue().encode("gb18030"))
