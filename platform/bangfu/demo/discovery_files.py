"""The departments' files for the demo's finding people: the medical insurance bureau's
out-of-pocket spending, the disabled persons' federation's certificates, the monitoring list,
the justice bureau's minors of prisoners, what families paid for schooling and rehabilitation
(因学、因残), the files that show someone covered who may not qualify (错保: deaths, vehicles,
real estate, businesses, public payroll) and two 特困 lists three months apart. Each file holds
rows that fire its rules and rows that must not (a covered household's only home, a vehicle of
someone with no status, a death already recorded as an exit).

Each file mixes registered members, drawn from the registry in a fixed order, with strangers:
people the registry does not know, so the import makes candidates of them. Everything is drawn
from the ``rng`` that ``bangfu.demo.discovery`` passes in, in a fixed order.
"""

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl

from bangfu.core.dates import add_months
from bangfu.core.id_numbers import check_character
from bangfu.core.spreadsheets import safe_csv_row, safe_row
from bangfu.demo.names import NameMaker
from bangfu.discovery.models import Source
from bangfu.discovery.standards import standards_for
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Member, PersonalStatus, Residence, Tier, age_on

Disability = Member.Disability


@dataclass
class Person:
    """Someone who appears in a file: a registered member or a stranger to the registry."""

    id_number: str
    name: str
    village: Region
    birth_date: dt.date
    member: Member | None = None
    extra: dict = field(default_factory=dict)


class Strangers:
    """People the registry does not know: new, valid ID numbers of the county, never one a
    member already has."""

    def __init__(self, rng: random.Random, area: str, taken: set[str]):
        self.rng, self.area, self.taken = rng, area, taken
        self.names = NameMaker(rng)

    def make(self, village: Region, *, age: int, as_of: dt.date, sex: str | None = None) -> Person:
        sex = sex or self.rng.choice("MF")
        birth = dt.date(as_of.year - age, as_of.month, min(as_of.day, 28)) - dt.timedelta(
            days=self.rng.randint(1, 360)
        )
        while True:
            sequence = self.rng.randrange(500, 1000, 2) + (1 if sex == "M" else 0)
            first17 = f"{self.area}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.taken:
                self.taken.add(number)
                break
        name = self.names.full(sex=sex, birth_year=birth.year, people="han")
        return Person(id_number=number, name=name, village=village, birth_date=birth)


def _csv(headers: list[str], rows: list[list], *, encoding: str) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(safe_csv_row(headers))
    writer.writerows(safe_csv_row(row) for row in rows)
    # Excel in China saves CSV as GB18030; newer exports use UTF-8 with a byte-order mark.
    data = text.getvalue().encode("utf-8-sig" if encoding == "utf-8-sig" else encoding)
    return io.BytesIO(data)


def _xlsx(title: str, headers: list[str], rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(safe_row(sheet, [title]))
    sheet.append(safe_row(sheet, headers))
    for row in rows:
        sheet.append(safe_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def department_files(county, rng, people, villages, strangers, as_of):
    """(source, file name, upload, data as of) for each department, in import order."""
    by_tier: dict[str, list[Member]] = {}
    for member in people:
        if member.household.status != Household.Status.EXITED:
            by_tier.setdefault(member.household.tier, []).append(member)
    year = as_of.year
    files = []

    # 医保局: a year of out-of-pocket spending; most small, a few over the threshold.
    medical_rows = []
    sample = rng.sample(people, min(320, len(people)))
    for member in sample:
        heavy = rng.random() < 0.06
        spent = rng.uniform(40_500, 120_000) if heavy else rng.lognormvariate(8.2, 0.9)
        medical_rows.append(
            [
                member.id_number,
                member.name,
                "",
                year,
                f"{min(spent, 39_000):.2f}" if not heavy else f"{spent:.2f}",
            ]
        )
    # Marginal households and those of no tier just above the standard, with heavy bills (支出型).
    standards = {
        residence: standards_for(villages[0], year, residence=residence).dibao_standard
        for residence in Residence.values
    }
    near = [
        m
        for m in by_tier.get(Tier.MARGINAL, []) + by_tier.get(Tier.NONE, [])
        if m.relation == Member.Relation.HEAD and _in_band(m, standards)
    ]
    for member in rng.sample(near, min(9, len(near))):
        medical_rows.append(
            [member.id_number, member.name, "", year, f"{rng.uniform(15_000, 32_000):.2f}"]
        )
    for _ in range(6):
        person = strangers.make(rng.choice(villages), age=rng.randint(35, 75), as_of=as_of)
        amount = rng.uniform(41_000, 90_000) if rng.random() < 0.7 else rng.uniform(2_000, 9_000)
        medical_rows.append(
            [person.id_number, person.name, person.village.code, year, f"{amount:.2f}"]
        )
    medical_rows = _dedupe(medical_rows)
    files.append(
        (
            Source.MEDICAL,
            f"医保个人自付费用{year}.csv",
            _csv(
                ["身份证号", "姓名", "村(社区)代码", "年度", "个人自付费用(元)"],
                medical_rows,
                encoding="gb18030",
            ),
            as_of,
        )
    )

    # 残联: certificates issued over the past two years, some of them severe and uncovered.
    disability_rows = []
    registered = [m for m in people if m.disability != Disability.NONE]
    for member in rng.sample(registered, min(60, len(registered))):
        issued = as_of - dt.timedelta(days=rng.randint(10, 700))
        disability_rows.append(
            _disability_row(member, member.disability, member.disability_grade, issued)
        )
    uncovered = by_tier.get(Tier.NONE, [])
    for member in rng.sample(uncovered, min(4, len(uncovered))):
        kind = rng.choice([Disability.PHYSICAL, Disability.INTELLECTUAL, Disability.VISUAL])
        grade = rng.choice([1, 2]) if kind != Disability.INTELLECTUAL else 3
        issued = as_of - dt.timedelta(days=rng.randint(5, 150))
        disability_rows.append(_disability_row(member, kind, grade, issued))
    for _ in range(7):
        person = strangers.make(rng.choice(villages), age=rng.randint(8, 80), as_of=as_of)
        kind = rng.choice([Disability.PHYSICAL, Disability.MENTAL, Disability.HEARING])
        grade = rng.choice([1, 2, 3, 4])
        issued = as_of - dt.timedelta(days=rng.randint(5, 300))
        disability_rows.append(
            [
                person.id_number,
                person.name,
                person.village.code,
                _KIND_WORDS[kind],
                f"{grade}级",
                issued.isoformat(),
            ]
        )
    files.append(
        (
            Source.DISABILITY,
            f"残疾人证新办{year}.xlsx",
            _xlsx(
                f"元江县残疾人证办理情况（截至{as_of:%Y年%m月%d日}）",
                ["身份证号", "姓名", "村(社区)代码", "残疾类别", "残疾等级", "发证日期"],
                _dedupe(disability_rows),
            ),
            as_of,
        )
    )

    # 乡村振兴局: the monitoring list, mostly people already in 低保, a few not covered.
    monitoring_rows = []
    for member in rng.sample(
        by_tier.get(Tier.DIBAO, []), min(25, len(by_tier.get(Tier.DIBAO, [])))
    ):
        monitoring_rows.append(_monitoring_row(rng, member.id_number, member.name, "", as_of))
    for member in rng.sample(uncovered, min(3, len(uncovered))):
        monitoring_rows.append(_monitoring_row(rng, member.id_number, member.name, "", as_of))
    for _ in range(3):
        person = strangers.make(rng.choice(villages), age=rng.randint(25, 70), as_of=as_of)
        monitoring_rows.append(
            _monitoring_row(rng, person.id_number, person.name, person.village.code, as_of)
        )
    files.append(
        (
            Source.MONITORING,
            f"防返贫监测对象{year}.csv",
            _csv(
                ["身份证号", "姓名", "村(社区)代码", "纳入监测日期", "主要风险"],
                _dedupe(monitoring_rows),
                encoding="utf-8-sig",
            ),
            as_of,
        )
    )

    # 司法局: minors of prisoners and people in compulsory rehab.
    custody_rows = []
    children = [m for m in people if age_on(m.birth_date, as_of) < 18]
    for member in rng.sample(children, min(4, len(children))):
        custody_rows.append(_custody_row(rng, member.id_number, member.name, "", as_of))
    for _ in range(3):
        person = strangers.make(rng.choice(villages), age=rng.randint(4, 17), as_of=as_of)
        custody_rows.append(
            _custody_row(rng, person.id_number, person.name, person.village.code, as_of)
        )
    files.append(
        (
            Source.CUSTODY,
            f"服刑戒毒人员未成年子女{year}.csv",
            _csv(
                ["子女身份证号", "子女姓名", "村(社区)代码", "父母情况", "服刑或戒毒起始日期"],
                _dedupe(custody_rows),
                encoding="utf-8",
            ),
            as_of,
        )
    )

    files += _spending_files(rng, by_tier, standards, as_of)
    files += _wrongly_covered_files(rng, by_tier, villages, strangers, as_of)

    # The 特困 list twice: three months ago and now. Minors of 16 and 17 on the first list
    # went missing from the second (the old age limit of 16 still applied by mistake).
    tekun = [m for m in by_tier.get(Tier.TEKUN, []) if m.personal_status == PersonalStatus.TEKUN]
    earlier = add_months(as_of, -3)
    minors = [
        strangers.make(rng.choice(villages), age=rng.choice([16, 17]), as_of=as_of)
        for _ in range(4)
    ]
    first = [_tekun_row(m.id_number, m.name, "", m.birth_date) for m in tekun]
    first += [_tekun_row(p.id_number, p.name, p.village.code, p.birth_date) for p in minors]
    kept = [row for row in first[: len(tekun)] if rng.random() > 0.02]  # a few died or moved
    files.append(
        (
            Source.TEKUN_LIST,
            f"特困供养人员名册{earlier:%Y%m}.csv",
            _csv(_TEKUN_HEADERS, first, encoding="gb18030"),
            earlier,
        )
    )
    files.append(
        (
            Source.TEKUN_LIST,
            f"特困供养人员名册{as_of:%Y%m}.csv",
            _csv(
                _TEKUN_HEADERS,
                [
                    *kept,
                    _tekun_row(
                        minors[0].id_number,
                        minors[0].name,
                        minors[0].village.code,
                        minors[0].birth_date,
                    ),
                ],
                encoding="gb18030",
            ),
            as_of,
        )
    )
    return files


def _in_band(member: Member, standards: dict[str, Decimal]) -> bool:
    """A live household of no status or 低保边缘 whose income per person lies between its 低保
    standard (urban or rural) and half as much again: where heavy rigid spending makes a 支出型
    household."""
    household = member.household
    standard = standards[household.residence]
    return household.tier in {Tier.NONE, Tier.MARGINAL} and (
        standard <= household.monthly_income_per_person() <= standard * Decimal("1.5")
    )


def _heavy(rng, member: Member) -> str:
    """Half to two thirds of the household's yearly income, in yuan."""
    household = member.household
    yearly = household.monthly_income_per_person() * household.members.count() * 12
    return f"{yearly * Decimal(str(round(rng.uniform(0.5, 0.7), 3))):.2f}"


def _spending_files(rng, by_tier, standards: dict[str, Decimal], as_of: dt.date) -> list:
    """教育局 and 残联: what families paid this year for schooling and for rehabilitation and
    care (001: 「因病、因学、因残」), mostly ordinary sums, heavy for a few households just
    above the standard (the 支出型 rule's cases)."""
    year = as_of.year
    headers = ["身份证号", "姓名", "村(社区)代码", "年度"]
    live = [m for members in by_tier.values() for m in members]
    pupils = [m for m in live if 6 <= age_on(m.birth_date, as_of) <= 22]
    # The heavy rows first: a person's first row is the one kept (``_dedupe``).
    banded = [m for m in pupils if age_on(m.birth_date, as_of) >= 15 and _in_band(m, standards)]
    education = [
        [member.id_number, member.name, "", year, _heavy(rng, member)]
        for member in rng.sample(banded, min(3, len(banded)))
    ]
    for member in rng.sample(pupils, min(120, len(pupils))):
        college = age_on(member.birth_date, as_of) >= 18
        spent = rng.uniform(6_000, 15_000) if college else rng.uniform(300, 2_500)
        education.append([member.id_number, member.name, "", year, f"{spent:.2f}"])
    disabled = [m for m in live if m.disability != Disability.NONE]
    banded = [m for m in disabled if _in_band(m, standards)]
    rehabilitation = [
        [member.id_number, member.name, "", year, _heavy(rng, member)]
        for member in rng.sample(banded, min(2, len(banded)))
    ]
    for member in rng.sample(disabled, min(40, len(disabled))):
        rehabilitation.append(
            [member.id_number, member.name, "", year, f"{rng.uniform(300, 4_000):.2f}"]
        )
    return [
        (
            Source.EDUCATION,
            f"学生个人负担教育费用{year}.csv",
            _csv([*headers, "个人负担教育费用(元)"], _dedupe(education), encoding="gb18030"),
            as_of,
        ),
        (
            Source.REHABILITATION,
            f"残疾人康复护理个人负担{year}.csv",
            _csv(
                [*headers, "个人负担康复护理费用(元)"],
                _dedupe(rehabilitation),
                encoding="utf-8-sig",
            ),
            as_of,
        ),
    ]


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


_KIND_WORDS = {
    Disability.VISUAL: "视力残疾",
    Disability.HEARING: "听力残疾",
    Disability.SPEECH: "言语残疾",
    Disability.PHYSICAL: "肢体残疾",
    Disability.INTELLECTUAL: "智力残疾",
    Disability.MENTAL: "精神残疾",
    Disability.MULTIPLE: "多重残疾",
}
_TEKUN_HEADERS = ["身份证号", "姓名", "村(社区)代码", "出生日期"]
RISKS = ("因病", "因残", "因学", "因灾", "因意外事故", "务工就业不稳")


def _dedupe(rows: list[list]) -> list[list]:
    """One row per person (and year): the departments' exports are aggregated."""
    seen, out = set(), []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            out.append(row)
    return out


def _disability_row(member: Member, kind: str, grade: int, issued: dt.date) -> list:
    return [member.id_number, member.name, "", _KIND_WORDS[kind], f"{grade}级", issued.isoformat()]


def _monitoring_row(rng, number, name, village_code, as_of) -> list:
    identified = as_of - dt.timedelta(days=rng.randint(20, 400))
    return [number, name, village_code, identified.isoformat(), rng.choice(RISKS)]


def _custody_row(rng, number, name, village_code, as_of) -> list:
    since = as_of - dt.timedelta(days=rng.randint(30, 1500))
    situation = "服刑" if rng.random() < 0.7 else "强制隔离戒毒"
    return [number, name, village_code, situation, since.isoformat()]


def _tekun_row(number, name, village_code, birth: dt.date) -> list:
    return [number, name, village_code, birth.isoformat()]
