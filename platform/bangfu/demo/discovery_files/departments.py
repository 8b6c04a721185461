"""The departments' registers: medical spending, disability certificates, the monitoring list,
minors of prisoners and the 特困 lists; and every file, in import order."""

import datetime as dt

from bangfu.core.dates import add_months
from bangfu.demo.discovery_files.rows import (
    _KIND_WORDS,
    _TEKUN_HEADERS,
    _csv,
    _custody_row,
    _dedupe,
    _disability_row,
    _monitoring_row,
    _tekun_row,
    _xlsx,
)
from bangfu.demo.discovery_files.spending import _in_band, _spending_files
from bangfu.demo.discovery_files.wrongly_covered import _wrongly_covered_files
from bangfu.discovery.models import Source
from bangfu.discovery.standards import standards_for
from bangfu.registry.models import Household, Member, PersonalStatus, Residence, Tier, age_on

Disability = Member.Disability


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
