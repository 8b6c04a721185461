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
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bangfu.core.sheet_checking import CellError
from bangfu.core.spreadsheets import ColumnHelp, dropdown, instructions_sheet, text_column
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
    # For the blank template and the column specification (``bangfu.core.sheet_templates``).
    example: str = ""
    note: str = ""  # what the cell holds (a lazy translation)
    width: int = 16

    def read(self, value):
        return self.labels.parse(value) if self.labels else self.parse(value)

    @property
    def text_format(self) -> bool:
        """Codes are written as text, so a spreadsheet keeps every digit."""
        return self.parse is code

    @property
    def dropdown(self) -> tuple[str, ...]:
        return tuple(words[0] for words in self.labels.words.values()) if self.labels else ()

    @property
    def kind(self) -> str:
        """What the cell holds, in words, for the column specification."""
        return str(_KINDS.get(self.parse, _KINDS[text]))


_KINDS = {
    text: gettext_lazy("text"),
    code: gettext_lazy("code (digits, kept as text)"),
    date: gettext_lazy("date (2024-03-01)"),
    grade: gettext_lazy("grade 1-4 (一级 … 四级 or 1 … 4)"),
    money: gettext_lazy("amount in yuan"),
    amount: gettext_lazy("amount in yuan, not negative"),
    year: gettext_lazy("year (2025)"),
}


ID_NUMBER = Field(
    "id_number",
    "身份证号",
    ("公民身份号码", "身份证号码", "证件号码", "id number"),
    parse=code,
    example="530428197003040011",
    note=gettext_lazy("The 18-character ID number: people are matched by it."),
    width=22,
)
NAME = Field("name", "姓名", ("name",), example="张三", width=12)
VILLAGE = Field(
    "village_code",
    "村(社区)代码",
    ("村社区代码", "村代码", "社区代码", "village code", "户籍地行政区划代码"),
    required=False,
    parse=code,
    example="530428101201",
    note=gettext_lazy(
        "The 12-digit code of the village or community; needed only for people the registry "
        "does not know."
    ),
    width=16,
)


def _yearly_spending(*, header: str, aliases: tuple[str, ...], note) -> tuple[Field, ...]:
    """A department's yearly spending file: who, which year, how much the family paid."""
    return (
        ID_NUMBER,
        NAME,
        VILLAGE,
        Field("year", "年度", ("结算年度", "统计年度", "学年", "year"), parse=year, example="2026"),
        Field("out_of_pocket", header, aliases, parse=amount, example="12000.00", note=note),
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


PROFILES: dict[str, Profile] = {
    Source.MEDICAL: Profile(
        Source.MEDICAL,
        gettext_lazy("healthcare security bureau (医保局)"),
        (
            *_yearly_spending(
                header="个人自付费用(元)",
                aliases=("个人自付", "个人自付金额", "自付费用", "个人负担", "out of pocket"),
                note=gettext_lazy("What the person paid themselves in the year, in yuan."),
            ),
            Field(
                "total_cost",
                "医疗总费用(元)",
                ("总费用", "医疗费用总额"),
                False,
                amount,
                example="56000.00",
            ),
        ),
        period_field="year",
        purpose=gettext_lazy(
            "Out-of-pocket medical spending in a year (002: 个人自付医疗费用超过4万元以上对象), "
            "and rigid spending of 支出型 households (001: 因病)."
        ),
    ),
    Source.EDUCATION: Profile(
        Source.EDUCATION,
        gettext_lazy("education bureau (教育局)"),
        _yearly_spending(
            header="个人负担教育费用(元)",
            aliases=("教育支出", "教育费用", "个人负担", "自付费用", "education cost"),
            note=gettext_lazy(
                "What the family paid for the person's schooling in the year (tuition, board, "
                "books), after any grant, in yuan."
            ),
        ),
        period_field="year",
        purpose=gettext_lazy("Rigid spending of 支出型 households (001: 因学)."),
    ),
    Source.REHABILITATION: Profile(
        Source.REHABILITATION,
        gettext_lazy("disabled persons' federation (残联)"),
        _yearly_spending(
            header="个人负担康复护理费用(元)",
            aliases=("康复费用", "护理费用", "辅具费用", "个人负担", "rehabilitation cost"),
            note=gettext_lazy(
                "What the family paid for the person's rehabilitation, assistive devices and "
                "care in the year, after any subsidy, in yuan."
            ),
        ),
        period_field="year",
        purpose=gettext_lazy("Rigid spending of 支出型 households (001: 因残)."),
    ),
    Source.DISABILITY: Profile(
        Source.DISABILITY,
        gettext_lazy("disabled persons' federation (残联)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "disability",
                "残疾类别",
                ("残疾类型", "disability"),
                labels=DISABILITIES,
                example="肢体",
            ),
            Field(
                "disability_grade",
                "残疾等级",
                ("等级", "disability grade"),
                parse=grade,
                example="二级",
            ),
            Field(
                "registered_on",
                "发证日期",
                ("办证日期", "登记日期", "持证日期", "registered on"),
                parse=date,
                example="2026-03-01",
            ),
        ),
        period_field="registered_on",
        purpose=gettext_lazy(
            "Severe disability certificates (003: 全面排查…一级、二级重度残疾人，三级智力残疾人和"
            "精神残疾人), every certificate the first time, then new ones."
        ),
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
                example="2026-05-01",
            ),
            Field(
                "risk",
                "主要风险",
                ("风险类型", "致贫风险", "risk"),
                required=False,
                example="因病",
            ),
        ),
        period_field="identified_on",
        snapshot=True,
        purpose=gettext_lazy("The poverty-monitoring list (002: 脱贫不稳定人口和边缘易致贫人口)."),
    ),
    Source.CUSTODY: Profile(
        Source.CUSTODY,
        gettext_lazy("justice bureau (司法局) and public security (公安局)"),
        (
            Field(
                "id_number",
                "子女身份证号",
                ("儿童身份证号", *ID_NUMBER.aliases),
                parse=code,
                example="530428201601010027",
                note=ID_NUMBER.note,
                width=22,
            ),
            Field("name", "子女姓名", ("儿童姓名", "姓名"), example="李小花", width=12),
            VILLAGE,
            Field(
                "parent_situation",
                "父母情况",
                ("监护人情况", "父(母)情况", "parent situation"),
                labels=PARENT_SITUATIONS,
                example="服刑",
            ),
            Field(
                "since",
                "服刑或戒毒起始日期",
                ("起始日期", "服刑起始日期", "戒毒起始日期", "since"),
                parse=date,
                example="2025-01-01",
            ),
        ),
        period_field="since",
        snapshot=True,
        purpose=gettext_lazy("Minor children of prisoners or people in compulsory rehab."),
    ),
    Source.TEKUN_LIST: Profile(
        Source.TEKUN_LIST,
        gettext_lazy("civil affairs: the destitute (特困) list"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "birth_date",
                "出生日期",
                ("出生年月日", "birth date"),
                parse=date,
                example="2009-06-01",
            ),
            Field(
                "care_level",
                "护理等级",
                ("照料等级", "care level"),
                False,
                labels=CARE_LEVELS,
                example="全自理",
            ),
        ),
        period_field=None,
        snapshot=True,
        purpose=gettext_lazy(
            "Everyone on the 特困 list: a minor of 16-18 missing from the latest list is checked "
            "(003: 重点核查是否有年满16周岁退出特困救助供养的未成年人)."
        ),
    ),
    Source.DEATHS: Profile(
        Source.DEATHS,
        gettext_lazy("public security bureau (公安局) and health commission (卫健委)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "died_on",
                "死亡日期",
                ("死亡时间", "注销日期", "date of death"),
                parse=date,
                example="2026-08-15",
            ),
        ),
        period_field="died_on",
        registry_only=True,
        purpose=gettext_lazy("Deaths of people who are still covered (错保)."),
    ),
    Source.VEHICLES: Profile(
        Source.VEHICLES,
        gettext_lazy("traffic police (公安交管)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "plate",
                "号牌号码",
                ("车牌号", "号牌", "plate"),
                example="云P12345",
                note=gettext_lazy("Shown to the assistant who verifies."),
            ),
            Field("vehicle_type", "车辆类型", ("车型", "vehicle type"), example="小型轿车"),
            Field(
                "registered_on",
                "登记日期",
                ("注册日期", "初次登记日期", "registered on"),
                parse=date,
                example="2025-04-10",
            ),
            Field(
                "value",
                "车辆价值(元)",
                ("价值", "评估价值", "value"),
                False,
                amount,
                example="80000.00",
            ),
        ),
        period_field=None,
        snapshot=True,
        registry_only=True,
        distinct_field="plate",
        purpose=gettext_lazy("Vehicles held by covered people (001: 车船登记)."),
    ),
    Source.PROPERTY: Profile(
        Source.PROPERTY,
        gettext_lazy("natural resources bureau: real-estate registration (不动产登记中心)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "certificate",
                "不动产权证号",
                ("权证号", "证书号", "certificate"),
                parse=code,
                example="云(2024)元江县不动产权第0001234号",
                width=30,
            ),
            Field("use", "用途", ("房屋用途", "use"), example="住宅"),
            Field(
                "registered_on",
                "登记日期",
                ("登簿日期", "registered on"),
                parse=date,
                example="2024-09-01",
            ),
        ),
        period_field=None,
        snapshot=True,
        registry_only=True,
        distinct_field="certificate",
        purpose=gettext_lazy("Real estate held by covered people (001: 不动产登记)."),
    ),
    Source.BUSINESS: Profile(
        Source.BUSINESS,
        gettext_lazy("market regulation bureau (市场监管局)"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field(
                "business_name",
                "市场主体名称",
                ("企业名称", "主体名称", "名称"),
                example="某某商店",
            ),
            Field("role", "身份", ("人员类型", "职务", "role"), example="经营者", required=False),
            Field(
                "registered_on",
                "成立日期",
                ("登记日期", "注册日期", "registered on"),
                parse=date,
                example="2023-02-01",
            ),
        ),
        period_field=None,
        snapshot=True,
        registry_only=True,
        distinct_field="business_name",
        purpose=gettext_lazy("Businesses run or owned by covered people (001: 市场主体登记)."),
    ),
    Source.PUBLIC_PAYROLL: Profile(
        Source.PUBLIC_PAYROLL,
        gettext_lazy("finance bureau (财政局): people paid from public funds"),
        (
            ID_NUMBER,
            NAME,
            VILLAGE,
            Field("employer", "工作单位", ("单位", "单位名称", "employer"), example="某某中学"),
            Field(
                "since",
                "入职日期",
                ("参加工作日期", "起薪日期", "since"),
                parse=date,
                example="2024-09-01",
            ),
        ),
        period_field=None,
        snapshot=True,
        registry_only=True,
        distinct_field="employer",
        purpose=gettext_lazy(
            "Public employees and others paid from public funds (财政供养人员), who may not be "
            "covered (错保)."
        ),
    ),
}


def blank_template(profile: Profile) -> bytes:
    """The profile's blank .xlsx template: the headers to fill in (ID numbers and codes as text,
    coded columns with a dropdown) and an instructions sheet, as the ledger's template has."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = profile.source
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for index, item in enumerate(profile.fields, start=1):
        sheet.cell(row=1, column=index, value=item.header).font = bold
        sheet.column_dimensions[get_column_letter(index)].width = item.width
        if item.text_format:
            text_column(sheet, index)
        if item.dropdown:
            dropdown(sheet, index, item.dropdown)
    instructions_sheet(
        workbook,
        [
            ColumnHelp(
                header=item.header,
                required=item.required,
                allowed=" / ".join(item.dropdown) or item.kind,
                example=item.example,
                note=str(item.note),
            )
            for item in profile.fields
        ],
        intro=template_intro(profile),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_intro(profile: Profile) -> list[str]:
    lines = [
        f"{profile.label} · {profile.department}",
        str(profile.purpose),
        _(
            "One row per person (the header is row 1). People are matched by ID number; the "
            "whole file is checked first and, if any row has an error, nothing is written."
        ),
    ]
    if profile.snapshot:
        lines.append(_("A list as of a date: each file replaces the previous one."))
    if profile.registry_only:
        lines.append(_("Only rows about people in the registry are kept; the others are left out."))
    return lines
