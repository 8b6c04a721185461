"""The profiles as one table: for each department's file, who sends it, what it is for, what kind
of list it is and its columns, each column a row of data that ``_profile`` turns into a ``Field``.

A column is ``(key, header, aliases, reader, example)``, and optionally a dict of ``Field``'s
other settings (``required``, ``note``, ``width``); the reader is a cell reader, or the
``Labels`` of a coded column (which gets a dropdown in the blank template).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from bangfu.discovery.models import Source
from bangfu.discovery.profiles.fields import Field, amount, year
from bangfu.registry.ledger.columns import (
    CARE_LEVELS,
    DISABILITIES,
    Labels,
    code,
    date,
    grade,
    text,
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
    # What the file is for, for the column specification (a lazy translation).
    purpose: str = ""
    # A file about people who may be covered wrongly (错保): only rows about people in the
    # registry are kept; the department's other rows are no one's business here.
    registry_only: bool = False
    # A person may hold several (vehicles, properties): rows differ by this field.
    distinct_field: str | None = None

    @property
    def label(self) -> str:
        return Source(self.source).label

    def period_of(self, values: dict, as_of: dt.date) -> dt.date:
        if self.period_field is None:
            return as_of
        value = values[self.period_field]
        return dt.date(value, 1, 1) if isinstance(value, int) else value


PARENT_SITUATIONS = Labels(
    {
        "prison": ("服刑", "服刑人员", "在押", "监狱服刑", "prison"),
        "rehab": ("强制隔离戒毒", "强制戒毒", "戒毒", "强戒", "compulsory rehab"),
    }
)
OPTIONAL = {"required": False}

ID_ALIASES = ("公民身份号码", "身份证号码", "证件号码", "id number")
ID_NOTE = gettext_lazy("The 18-character ID number: people are matched by it.")
# The person's columns, first in every file but the custody file (which names a child).
PERSON = (
    (
        "id_number",
        "身份证号",
        ID_ALIASES,
        code,
        "530428197003040011",
        {"note": ID_NOTE, "width": 22},
    ),
    ("name", "姓名", ("name",), text, "张三", {"width": 12}),
)
VILLAGE = (
    "village_code",
    "村(社区)代码",
    ("村社区代码", "村代码", "社区代码", "village code", "户籍地行政区划代码"),
    code,
    "530428101201",
    {
        "required": False,
        "note": gettext_lazy(
            "The 12-digit code of the village or community; needed only for people the registry "
            "does not know."
        ),
    },
)
# The year a yearly spending file (medical, education, rehabilitation) is about; its
# ``out_of_pocket`` column says what the family paid.
YEAR = ("year", "年度", ("结算年度", "统计年度", "学年", "year"), year, "2026")

# Each file's own columns come after the person's and the village code.
PROFILE_TABLE: dict[str, dict] = {
    Source.MEDICAL: {
        "department": gettext_lazy("healthcare security bureau (医保局)"),
        "period_field": "year",
        "purpose": gettext_lazy(
            "Out-of-pocket medical spending in a year (002: 个人自付医疗费用超过4万元以上对象), "
            "and rigid spending of 支出型 households (001: 因病)."
        ),
        "columns": (
            YEAR,
            (
                "out_of_pocket",
                "个人自付费用(元)",
                ("个人自付", "个人自付金额", "自付费用", "个人负担", "out of pocket"),
                amount,
                "12000.00",
                {"note": gettext_lazy("What the person paid themselves in the year, in yuan.")},
            ),
            (
                "total_cost",
                "医疗总费用(元)",
                ("总费用", "医疗费用总额"),
                amount,
                "56000.00",
                OPTIONAL,
            ),
        ),
    },
    Source.EDUCATION: {
        "department": gettext_lazy("education bureau (教育局)"),
        "period_field": "year",
        "purpose": gettext_lazy("Rigid spending of 支出型 households (001: 因学)."),
        "columns": (
            YEAR,
            (
                "out_of_pocket",
                "个人负担教育费用(元)",
                ("教育支出", "教育费用", "个人负担", "自付费用", "education cost"),
                amount,
                "12000.00",
                {
                    "note": gettext_lazy(
                        "What the family paid for the person's schooling in the year (tuition, "
                        "board, books), after any grant, in yuan."
                    )
                },
            ),
        ),
    },
    Source.REHABILITATION: {
        "department": gettext_lazy("disabled persons' federation (残联)"),
        "period_field": "year",
        "purpose": gettext_lazy("Rigid spending of 支出型 households (001: 因残)."),
        "columns": (
            YEAR,
            (
                "out_of_pocket",
                "个人负担康复护理费用(元)",
                ("康复费用", "护理费用", "辅具费用", "个人负担", "rehabilitation cost"),
                amount,
                "12000.00",
                {
                    "note": gettext_lazy(
                        "What the family paid for the person's rehabilitation, assistive devices "
                        "and care in the year, after any subsidy, in yuan."
                    )
                },
            ),
        ),
    },
    Source.DISABILITY: {
        "department": gettext_lazy("disabled persons' federation (残联)"),
        "period_field": "registered_on",
        "purpose": gettext_lazy(
            "Severe disability certificates (003: 全面排查…一级、二级重度残疾人，三级智力残疾人和"
            "精神残疾人), every certificate the first time, then new ones."
        ),
        "columns": (
            ("disability", "残疾类别", ("残疾类型", "disability"), DISABILITIES, "肢体"),
            ("disability_grade", "残疾等级", ("等级", "disability grade"), grade, "二级"),
            (
                "registered_on",
                "发证日期",
                ("办证日期", "登记日期", "持证日期", "registered on"),
                date,
                "2026-03-01",
            ),
        ),
    },
    Source.MONITORING: {
        "department": gettext_lazy("rural revitalisation bureau (乡村振兴局)"),
        "period_field": "identified_on",
        "snapshot": True,
        "purpose": gettext_lazy(
            "The poverty-monitoring list (002: 脱贫不稳定人口和边缘易致贫人口)."
        ),
        "columns": (
            (
                "identified_on",
                "纳入监测日期",
                ("识别日期", "纳入日期", "identified on"),
                date,
                "2026-05-01",
            ),
            ("risk", "主要风险", ("风险类型", "致贫风险", "risk"), text, "因病", OPTIONAL),
        ),
    },
    Source.CUSTODY: {
        "department": gettext_lazy("justice bureau (司法局) and public security (公安局)"),
        "period_field": "since",
        "snapshot": True,
        "purpose": gettext_lazy("Minor children of prisoners or people in compulsory rehab."),
        "person": (
            (
                "id_number",
                "子女身份证号",
                ("儿童身份证号", *ID_ALIASES),
                code,
                "530428201601010027",
                {"note": ID_NOTE, "width": 22},
            ),
            ("name", "子女姓名", ("儿童姓名", "姓名"), text, "李小花", {"width": 12}),
        ),
        "columns": (
            (
                "parent_situation",
                "父母情况",
                ("监护人情况", "父(母)情况", "parent situation"),
                PARENT_SITUATIONS,
                "服刑",
            ),
            (
                "since",
                "服刑或戒毒起始日期",
                ("起始日期", "服刑起始日期", "戒毒起始日期", "since"),
                date,
                "2025-01-01",
            ),
        ),
    },
    Source.TEKUN_LIST: {
        "department": gettext_lazy("civil affairs: the destitute (特困) list"),
        "period_field": None,
        "snapshot": True,
        "purpose": gettext_lazy(
            "Everyone on the 特困 list: a minor of 16-18 missing from the latest list is checked "
            "(003: 重点核查是否有年满16周岁退出特困救助供养的未成年人)."
        ),
        "columns": (
            ("birth_date", "出生日期", ("出生年月日", "birth date"), date, "2009-06-01"),
            ("care_level", "护理等级", ("照料等级", "care level"), CARE_LEVELS, "全自理", OPTIONAL),
        ),
    },
    Source.DEATHS: {
        "department": gettext_lazy(
            "public security bureau (公安局) and health commission (卫健委)"
        ),
        "period_field": "died_on",
        "registry_only": True,
        "purpose": gettext_lazy("Deaths of people who are still covered (错保)."),
        "columns": (
            ("died_on", "死亡日期", ("死亡时间", "注销日期", "date of death"), date, "2026-08-15"),
        ),
    },
    Source.VEHICLES: {
        "department": gettext_lazy("traffic police (公安交管)"),
        "period_field": None,
        "snapshot": True,
        "registry_only": True,
        "distinct_field": "plate",
        "purpose": gettext_lazy("Vehicles held by covered people (001: 车船登记)."),
        "columns": (
            (
                "plate",
                "号牌号码",
                ("车牌号", "号牌", "plate"),
                text,
                "云P12345",
                {"note": gettext_lazy("Shown to the assistant who verifies.")},
            ),
            ("vehicle_type", "车辆类型", ("车型", "vehicle type"), text, "小型轿车"),
            (
                "registered_on",
                "登记日期",
                ("注册日期", "初次登记日期", "registered on"),
                date,
                "2025-04-10",
            ),
            ("value", "车辆价值(元)", ("价值", "评估价值", "value"), amount, "80000.00", OPTIONAL),
        ),
    },
    Source.PROPERTY: {
        "department": gettext_lazy(
            "natural resources bureau: real-estate registration (不动产登记中心)"
        ),
        "period_field": None,
        "snapshot": True,
        "registry_only": True,
        "distinct_field": "certificate",
        "purpose": gettext_lazy("Real estate held by covered people (001: 不动产登记)."),
        "columns": (
            (
                "certificate",
                "不动产权证号",
                ("权证号", "证书号", "certificate"),
                code,
                "云(2024)元江县不动产权第0001234号",
                {"width": 30},
            ),
            ("use", "用途", ("房屋用途", "use"), text, "住宅"),
            ("registered_on", "登记日期", ("登簿日期", "registered on"), date, "2024-09-01"),
        ),
    },
    Source.BUSINESS: {
        "department": gettext_lazy("market regulation bureau (市场监管局)"),
        "period_field": None,
        "snapshot": True,
        "registry_only": True,
        "distinct_field": "business_name",
        "purpose": gettext_lazy("Businesses run or owned by covered people (001: 市场主体登记)."),
        "columns": (
            ("business_name", "市场主体名称", ("企业名称", "主体名称", "名称"), text, "某某商店"),
            ("role", "身份", ("人员类型", "职务", "role"), text, "经营者", OPTIONAL),
            (
                "registered_on",
                "成立日期",
                ("登记日期", "注册日期", "registered on"),
                date,
                "2023-02-01",
            ),
        ),
    },
    Source.PUBLIC_PAYROLL: {
        "department": gettext_lazy("finance bureau (财政局): people paid from public funds"),
        "period_field": None,
        "snapshot": True,
        "registry_only": True,
        "distinct_field": "employer",
        "purpose": gettext_lazy(
            "Public employees and others paid from public funds (财政供养人员), who may not be "
            "covered (错保)."
        ),
        "columns": (
            ("employer", "工作单位", ("单位", "单位名称", "employer"), text, "某某中学"),
            ("since", "入职日期", ("参加工作日期", "起薪日期", "since"), date, "2024-09-01"),
        ),
    },
}


def _profile(source: str, spec: dict) -> Profile:
    """A row of the table as a profile: the person's columns, the village code, then the file's
    own columns, each read the same way."""
    columns = (*spec.get("person", PERSON), VILLAGE, *spec["columns"])
    settings = {key: value for key, value in spec.items() if key not in {"person", "columns"}}
    return Profile(source, fields=tuple(_field(*column) for column in columns), **settings)


def _field(key, header, aliases, reader, example, options=None) -> Field:
    coded = isinstance(reader, Labels)
    return Field(
        key,
        header,
        aliases,
        parse=text if coded else reader,
        labels=reader if coded else None,
        example=example,
        **(options or {}),
    )


PROFILES: dict[str, Profile] = {
    source: _profile(source, spec) for source, spec in PROFILE_TABLE.items()
}
