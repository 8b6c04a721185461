"""Import profiles: for each department's file, the columns it has and how each cell is read.

A profile is configuration. The headers are the file format (as the department's export writes
them, in Chinese in every interface language); aliases cover the variants seen in practice. Add
an alias here when a department renames a column; add a profile (and a ``Source``) for a new
department. Cell readers come from the ledger import, so a date or an amount is read the same
way in every file Bangfu takes in.

Every profile has the person's ID number and name; ``village_code`` is needed only for people the
registry does not know (they become candidate persons in that village).
"""

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core.sheet_checking import CellError
from bangfu.discovery.models import Source
from bangfu.registry.ledger.columns import (
    CARE_LEVELS,
    DISABILITIES,
    Labels,
    code,
    date,
    grade,
    money,
    text,
)


def year(value) -> int:
    raw = code(value).removesuffix("年")
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise CellError(_("“%(value)s” is not a year; write it as 2025.") % {"value": raw})
    return int(raw)


def amount(value) -> Decimal:
    """An amount in yuan (to the fen), not negative."""
    try:
        return money(value)
    except CellError:
        raw = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("元", "")
        try:
            negative = Decimal(raw.strip()) < 0
        except (InvalidOperation, ValueError):
            negative = False
        if negative:
            raise CellError(_("An amount cannot be negative.")) from None
        raise


PARENT_SITUATIONS = Labels(
    {
        "prison": ("服刑", "服刑人员", "在押", "监狱服刑", "prison"),
        "rehab": ("强制隔离戒毒", "强制戒毒", "戒毒", "强戒", "compulsory rehab"),
    }
)


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True  # the column must be there and every cell filled
    parse: Callable = text
    labels: Labels | None = None
    default: object = None  # the value of a blank cell that is not required

    def read(self, value):
        return self.labels.parse(value) if self.labels else self.parse(value)


ID_NUMBER = Field(
    "id_number", "身份证号", ("公民身份号码", "身份证号码", "证件号码", "id number"), parse=code
)
NAME = Field("name", "姓名", ("name",))
VILLAGE = Field(
    "village_code",
    "村(社区)代码",
    ("村社区代码", "村代码", "社区代码", "village code", "户籍地行政区划代码"),
    required=False,
    parse=code,
)


@dataclass(frozen=True)
class Profile:
    source: str
    department: str  # as a county clerk names it
    fields: tuple[Field, ...]
    # Which field dates the row ("year" gives 1 January); None: the date the file stands at.
    period_field: str | None
    # A snapshot lists everyone as of a date: the latest import replaces the previous one.
    snapshot: bool = False

    @property
    def label(self) -> str:
        return Source(self.source).label

    def period_of(self, values: dict, as_of: dt.date) -> dt.date:
        if self.period_field is None:
            return as_of
        value = values[self.period_field]
        return dt.date(value, 1, 1) if isinstance(value, int) else value


PROFILES: dict[str, Profile] = {
    Source.MEDICAL: Profile(
        Source.MEDICAL,
        gettext_lazy("healthcare security bureau (医保局)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field("year", "年度", ("结算年度", "统计年度", "year"), parse=year),
            Field(
                "out_of_pocket",
                "个人自付费用(元)",
                ("个人自付", "个人自付金额", "自付费用", "个人负担", "out of pocket"),
                parse=amount,
            ),
            Field("total_cost", "医疗总费用(元)", ("总费用", "医疗费用总额"), False, amount),
        ),
        period_field="year",
    ),
    Source.DISABILITY: Profile(
        Source.DISABILITY,
        gettext_lazy("disabled persons' federation (残联)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field("disability", "残疾类别", ("残疾类型", "disability"), labels=DISABILITIES),
            Field("disability_grade", "残疾等级", ("等级", "disability grade"), parse=grade),
            Field(
                "registered_on",
                "发证日期",
                ("办证日期", "登记日期", "持证日期", "registered on"),
                parse=date,
            ),
        ),
        period_field="registered_on",
    ),
    Source.MONITORING: Profile(
        Source.MONITORING,
        gettext_lazy("rural revitalisation bureau (乡村振兴局)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "identified_on",
                "纳入监测日期",
                ("识别日期", "纳入日期", "identified on"),
                parse=date,
            ),
            Field("risk", "主要风险", ("风险类型", "致贫风险", "risk"), required=False),
        ),
        period_field="identified_on",
        snapshot=True,
    ),
    Source.CUSTODY: Profile(
        Source.CUSTODY,
        gettext_lazy("justice bureau (司法局) and public security (公安局)"),
        (
            Field("id_number", "子女身份证号", ("儿童身份证号", *ID_NUMBER.aliases), parse=code),
            Field("name", "子女姓名", ("儿童姓名", "姓名")),
            VILLAGE,
            Field(
                "parent_situation",
                "父母情况",
                ("监护人情况", "父(母)情况", "parent situation"),
                labels=PARENT_SITUATIONS,
            ),
            Field(
                "since",
                "服刑或戒毒起始日期",
                ("起始日期", "服刑起始日期", "戒毒起始日期", "since"),
                parse=date,
            ),
        ),
        period_field="since",
        snapshot=True,
    ),
    Source.TEKUN_LIST: Profile(
        Source.TEKUN_LIST,
        gettext_lazy("civil affairs: the destitute (特困) list"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field("birth_date", "出生日期", ("出生年月日", "birth date"), parse=date),
            Field("care_level", "护理等级", ("照料等级", "care level"), False, labels=CARE_LEVELS),
        ),
        period_field=None,
        snapshot=True,
    ),
}
