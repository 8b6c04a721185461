"""The ledger's columns in their order: what each one fills, how it is read and what the blank
ledger says about it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _lazy

from bangfu.registry.ledger.columns.labels import (
    CARE_LEVELS,
    DISABILITIES,
    HOUSEHOLD_TIERS,
    ILLNESSES,
    PERSONAL_STATUSES,
    RELATIONS,
    RESIDENCES,
    WORK_ABILITIES,
    Labels,
    household_tier,
)
from bangfu.registry.ledger.columns.readers import (
    code,
    date,
    grade,
    money,
    past_date,
    phone,
    text,
    yes_no,
)
from bangfu.registry.models import Member, PersonalStatus, Residence


@dataclass(frozen=True)
class Column:
    """One ledger column. ``key`` is the model field it fills (``village_code`` fills the
    household's region); ``household`` columns repeat on every member row of a household."""

    key: str
    header: str
    aliases: tuple[str, ...]
    household: bool
    required: bool
    width: int
    parse: Callable = text
    labels: Labels | None = None
    default: object = None
    text_format: bool = field(default=False)  # written as text so Excel keeps every digit
    choices: Labels | None = None  # the dropdown of a column read by ``parse`` (not ``labels``)
    # The export may write the cell masked; such a cell means "unchanged" (``MASKS``).
    maskable: bool = False
    example: str = ""  # shown on the blank ledger's instructions sheet
    note: str = ""  # what the cell holds, beyond its allowed values (a lazy translation)

    @property
    def dropdown(self) -> tuple[str, ...]:
        """The words of a coded column's dropdown in the blank ledger (none: free input)."""
        coded = self.labels or self.choices
        if coded is not None:
            return tuple(words[0] for words in coded.words.values())
        return ("是", "否") if self.parse is yes_no else ()

    def read(self, value):
        return self.labels.parse(value) if self.labels else self.parse(value)


def _household(key, header, aliases, *, width, required=False, **options) -> Column:
    return Column(key, header, aliases, True, required, width, **options)


def _member(key, header, aliases, *, width, required=False, **options) -> Column:
    return Column(key, header, aliases, False, required, width, **options)


def _flag(key, header, aliases) -> Column:
    return _member(key, header, aliases, width=10, parse=yes_no, default=False, example="否")


LEDGER_COLUMNS: tuple[Column, ...] = (
    _household(
        "registry_number",
        "户编号",
        ("registry number", "户号"),
        required=True,
        width=16,
        parse=code,
        text_format=True,
        example="530428-0101",
        note=_lazy("The household's number; a number already registered in your area updates it."),
    ),
    _household(
        "village_code",
        "村(社区)代码",
        ("village code", "村社区代码", "村代码", "社区代码"),
        required=True,
        width=16,
        parse=code,
        text_format=True,
        example="530428101202",
        note=_lazy("The 12-digit code of a village or community in your area."),
    ),
    _household(
        "address",
        "家庭住址",
        ("address", "住址"),
        required=True,
        width=32,
        maskable=True,
        example="新民村2组8号",
    ),
    _household(
        "phone",
        "联系电话",
        ("phone", "contact phone", "电话"),
        width=14,
        parse=phone,
        text_format=True,
        maskable=True,
        example="13900000000",
        note=_lazy("A mobile, or a landline with its area code."),
    ),
    _household(
        "household_tier",
        "救助类别",
        ("tier", "household status", "家庭救助类别", "类别"),
        required=True,
        width=12,
        parse=household_tier,
        choices=HOUSEHOLD_TIERS,
        example="低保",
        note=_lazy(
            "The household's own status. 临时救助 is a grant, not a status. 特困 is a person's "
            "status (个人救助类别): 特困 here makes every member of the household 特困 whose own "
            "cell is blank, and the household's own status 无."
        ),
    ),
    _household(
        "enrolled_on",
        "纳入日期",
        ("enrolled on",),
        width=12,
        parse=past_date,
        example="2024-03-01",
        note=_lazy("A date, not after today."),
    ),
    _household(
        "next_review_due",
        "下次复核日期",
        ("next review due",),
        width=14,
        parse=date,
        example="2025-03-01",
        note=_lazy("A date."),
    ),
    _member("name", "姓名", ("name",), required=True, width=10, maskable=True, example="王五"),
    _member(
        "id_number",
        "身份证号",
        ("id number", "身份证号码", "公民身份号码"),
        required=True,
        width=21,
        parse=code,
        text_format=True,
        maskable=True,
        example="530428199001011231",
        note=_lazy(
            "18 characters, stored as text. A person already registered in the household is "
            "updated; as a masked export writes it, it names that person."
        ),
    ),
    _member(
        "relation",
        "与户主关系",
        ("relation", "relation to head"),
        required=True,
        width=12,
        labels=RELATIONS,
        example="户主",
        note=_lazy("One member of each household is 户主."),
    ),
    _member(
        "disability",
        "残疾类别",
        ("disability",),
        width=12,
        labels=DISABILITIES,
        default=Member.Disability.NONE,
        example="无",
    ),
    _member(
        "disability_grade",
        "残疾等级",
        ("disability grade",),
        width=10,
        parse=grade,
        example="2",
        note=_lazy("1 to 4 (一级 to 四级), with a disability type."),
    ),
    _member(
        "illness",
        "疾病情况",
        ("illness",),
        width=12,
        labels=ILLNESSES,
        default=Member.Illness.NONE,
        example="无",
    ),
    _member(
        "illness_note", "疾病说明", ("illness details",), width=20, default="", example="高血压"
    ),
    _member(
        "care_level",
        "照料等级",
        ("care level",),
        width=12,
        labels=CARE_LEVELS,
        default=Member.CareLevel.SELF,
        example="自理",
    ),
    _member(
        "work_ability",
        "劳动能力",
        ("work ability", "ability to work"),
        width=16,
        labels=WORK_ABILITIES,
        default=Member.WorkAbility.FULL,
        example="有劳动能力",
    ),
    _member(
        "monthly_income",
        "月收入(元)",
        ("monthly income", "monthly income (yuan)", "月收入"),
        width=12,
        parse=money,
        default=Decimal("0.00"),
        example="1450.00",
        note=_lazy("In yuan, at most two decimals."),
    ),
    _flag("income_is_irregular", "收入不稳定", ("irregular income",)),
    _flag("is_orphan", "孤儿", ("orphan",)),
    _flag(
        "is_unsupported_child",
        "事实无人抚养儿童",
        ("unsupported child", "de-facto unsupported child"),
    ),
    _flag("is_five_elders", "革命五老", ("five elders",)),
    # Columns added with issue 15, after the older ones so that those keep their places.
    _flag("is_employed", "已就业", ("employed",)),
    _member(
        "personal_status",
        "个人救助类别",
        ("personal status", "个人类别"),
        width=12,
        labels=PERSONAL_STATUSES,
        default=PersonalStatus.NONE,
        example="无",
        note=_lazy("A member's own status: 特困 or 单人纳保 (单人户纳保), or 无."),
    ),
    _household(
        "residence",
        "城乡",
        ("residence", "城乡类别", "urban or rural"),
        width=8,
        labels=RESIDENCES,
        default=Residence.RURAL,
        example="农村",
        note=_lazy("Which 低保 standard applies; blank on a new household: 农村."),
    ),
    _household(
        "financial_assets",
        "家庭金融资产(元)",
        ("financial assets", "financial assets (yuan)", "家庭金融资产", "金融资产"),
        width=16,
        parse=money,
        example="12000.00",
        note=_lazy("In yuan, when known; blank: no asset data."),
    ),
)

HOUSEHOLD_COLUMNS = tuple(column for column in LEDGER_COLUMNS if column.household)
MEMBER_COLUMNS = tuple(column for column in LEDGER_COLUMNS if not column.household)
