"""What families paid for schooling, rehabilitation and care: heavy for a few households just
above the standard."""

import datetime as dt
from decimal import Decimal

from bangfu.demo.discovery_files.rows import _csv, _dedupe
from bangfu.discovery.models import Source
from bangfu.registry.models import Member, Tier, age_on

Disability = Member.Disability


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
