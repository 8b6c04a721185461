"""The departments' files for the demo's finding people: the medical insurance bureau's
out-of-pocket spending, the disabled persons' federation's new certificates, the monitoring list,
the justice bureau's minors of prisoners and two 特困 lists three months apart.

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

from bangfu.core.id_numbers import check_character
from bangfu.core.spreadsheets import safe_csv_row, safe_row
from bangfu.demo.names import NameMaker
from bangfu.discovery.models import Source
from bangfu.discovery.schedule import add_months
from bangfu.discovery.standards import standards_for
from bangfu.regions.models import Region
from bangfu.registry.models import Member, Tier, age_on

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
    # Marginal and temporary households just above the standard, with heavy bills (支出型).
    standard = standards_for(villages[0], year).dibao_standard
    near = [
        m
        for m in by_tier.get(Tier.MARGINAL, []) + by_tier.get(Tier.TEMPORARY, [])
        if m.relation == Member.Relation.HEAD
        and standard <= m.household.monthly_income_per_person() <= standard * Decimal("1.5")
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
    uncovered = by_tier.get(Tier.TEMPORARY, [])
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

    # The 特困 list twice: three months ago and now. Minors of 16 and 17 on the first list
    # went missing from the second (the old age limit of 16 still applied by mistake).
    tekun = by_tier.get(Tier.TEKUN, [])
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
