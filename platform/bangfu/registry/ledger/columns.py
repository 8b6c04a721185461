"""The ledger's columns: headers as a county clerk writes them, what each cell may hold, and how
a cell turns into a model value (on import) and back (on export).

Headers and labels are part of the file format, not of the interface: they stay Chinese in every
language, so a file exported under any language re-imports. English aliases are accepted.
"""

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl.utils.datetime import from_excel

from bangfu.core.sheet_checking import CellError, fold
from bangfu.core.spreadsheets import refuse_formula_text
from bangfu.core.validators import normalise_phone, validate_date_range, validate_past_date
from bangfu.registry.models import HouseholdTier, Member, PersonalStatus, Residence

CENT = Decimal("0.01")


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def text(value) -> str:
    """Free text (names, addresses, notes). Text a spreadsheet would run as a formula is refused:
    stored, it would become a live formula in every later export of it."""
    result = _as_text(value)
    reason = refuse_formula_text(result)
    if reason is not None:
        raise CellError(reason)
    return result


def code(value) -> str:
    """Codes and numbers typed by hand: full-width digits become ASCII."""
    return unicodedata.normalize("NFKC", _as_text(value)).replace(" ", "")


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _checked(validate_date_range, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return date(str(int(value)))
        if 18264 <= value < 73051:  # an Excel serial day number, 1950-01-01 to 2099-12-31
            return from_excel(value).date()
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    candidate = raw.split(" ")[0].split("T")[0]
    for pattern in ("iso", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            if pattern == "iso":  # the usual case, and ten times faster than strptime
                parsed = dt.date.fromisoformat(candidate)
            else:
                parsed = dt.datetime.strptime(candidate, pattern).date()
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2100:
            return parsed
    raise CellError(_("“%(value)s” is not a date; write it as 2024-03-01.") % {"value": raw})


def past_date(value) -> dt.date:
    """The date of something that has happened (an enrolment): not after today."""
    return _checked(validate_past_date, date(value))


def phone(value) -> str:
    """A mobile or a landline with its area code, kept as its digits (as the registry's form)."""
    try:
        return normalise_phone(_as_text(value))
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


def _checked(validate, value):
    try:
        validate(value)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None
    return value


def money(value) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not an amount in yuan.") % {"value": value})
    if isinstance(value, int | float):
        amount = Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        raw = unicodedata.normalize("NFKC", str(value)).strip()
        cleaned = raw.replace(",", "").replace("元", "").replace("¥", "").replace(" ", "")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not an amount in yuan.") % {"value": raw}) from None
        if not amount.is_finite():
            raise CellError(_("“%(value)s” is not an amount in yuan.") % {"value": raw})
        if amount != amount.quantize(CENT):
            raise CellError(_("Give the amount in yuan with at most two decimals (fen)."))
    if amount < 0:
        raise CellError(_("An amount cannot be negative; write 0 when there is none."))
    return amount.quantize(CENT)


_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}


def grade(value) -> int:
    raw = code(value)
    number = _GRADES.get(raw.removesuffix("级"))
    if number is None:
        raise CellError(
            _("Disability grade “%(value)s” does not exist; use 1 to 4 (一级 to 四级).")
            % {"value": raw}
        )
    return number


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "✘"}


def yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _as_text(value)
    folded = text if text in _YES or text in _NO else fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise CellError(_("Write 是 or 否, not “%(value)s”.") % {"value": _as_text(value)})


def write_yes_no(value: bool) -> str:
    return "是" if value else "否"


@dataclass(frozen=True)
class Labels:
    """The words a clerk may write for each choice; the first one is written on export."""

    words: dict[str, tuple[str, ...]]

    def canonical(self, value: str) -> str:
        return self.words[value][0]

    def __post_init__(self) -> None:
        lookup = {fold(value): value for value in self.words}
        for value, words in self.words.items():
            lookup.update({fold(word): value for word in words})
        object.__setattr__(self, "_lookup", lookup)

    def parse(self, value) -> str:
        raw = _as_text(value)
        found = self._lookup.get(raw) or self._lookup.get(fold(raw))
        if found is None:
            raise CellError(
                _("Unknown value “%(value)s”; write one of %(choices)s.")
                % {"value": raw, "choices": "/".join(words[0] for words in self.words.values())}
            )
        return found


HOUSEHOLD_TIERS = Labels(
    {
        HouseholdTier.DIBAO: ("低保", "低保对象", "低保户", "minimum subsistence"),
        HouseholdTier.MARGINAL: ("低保边缘", "低保边缘家庭", "低边", "marginal"),
        HouseholdTier.EXPENDITURE: ("支出型困难", "支出型困难家庭", "expenditure hardship"),
        HouseholdTier.NONE: ("无",),
    }
)
PERSONAL_STATUSES = Labels(
    {
        PersonalStatus.TEKUN: ("特困", "特困人员", "特困供养", "destitute"),
        PersonalStatus.SINGLE_DIBAO: ("单人纳保", "单人户纳保", "single-person dibao"),
        PersonalStatus.NONE: ("无",),
    }
)
RESIDENCES = Labels(
    {
        Residence.URBAN: ("城镇", "城市", "urban"),
        Residence.RURAL: ("农村", "rural"),
    }
)
# 特困 in the household's column, as files written before 特困 became a person's status say it:
# every member of the household is then 特困 unless their own column says otherwise (checking).
HOUSEHOLD_TEKUN = PersonalStatus.TEKUN.value
_TEKUN_WORDS = {fold(word) for word in PERSONAL_STATUSES.words[PersonalStatus.TEKUN]}
_TEMPORARY_WORDS = {fold(word) for word in ("临时救助", "临时", "temporary assistance")}


def household_tier(value) -> str:
    """The household's own status (低保, 低保边缘, 支出型困难, 无); 特困 is read as
    ``HOUSEHOLD_TEKUN``; 临时救助 is refused: it is a grant, not a status."""
    folded = fold(_as_text(value))
    if folded in _TEMPORARY_WORDS:
        raise CellError(
            _(
                "Temporary assistance (临时救助) is recorded as a grant on the household's page, "
                "not as a status: write the household's status (低保, 低保边缘, 支出型困难 or 无)."
            )
        )
    if folded in _TEKUN_WORDS:
        return HOUSEHOLD_TEKUN
    return HOUSEHOLD_TIERS.parse(value)


R = Member.Relation
RELATIONS = Labels(
    {
        R.HEAD: ("户主", "本人", "head of household"),
        R.SPOUSE: ("配偶", "妻", "夫", "妻子", "丈夫"),
        R.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
        R.PARENT: ("父母", "父亲", "母亲", "父", "母"),
        R.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙子", "外孙女"),
        R.GRANDPARENT: ("祖父母", "祖父", "祖母", "外祖父", "外祖母"),
        R.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
        R.OTHER: ("其他", "other relative"),
    }
)
D = Member.Disability
DISABILITIES = Labels(
    {
        D.NONE: ("无",),
        D.VISUAL: ("视力", "视力残疾"),
        D.HEARING: ("听力", "听力残疾"),
        D.SPEECH: ("言语", "言语残疾"),
        D.PHYSICAL: ("肢体", "肢体残疾"),
        D.INTELLECTUAL: ("智力", "智力残疾"),
        D.MENTAL: ("精神", "精神残疾"),
        D.MULTIPLE: ("多重", "多重残疾"),
    }
)
ILLNESSES = Labels(
    {
        Member.Illness.NONE: ("无", "健康"),
        Member.Illness.CHRONIC: ("慢性病", "chronic illness"),
        Member.Illness.SERIOUS: ("重病", "大病", "重大疾病", "serious illness"),
    }
)
CARE_LEVELS = Labels(
    {
        Member.CareLevel.SELF: ("自理", "生活自理", "self-caring"),
        Member.CareLevel.SEMI: ("半护理", "半自理", "semi-dependent"),
        Member.CareLevel.FULL: ("全护理", "不能自理", "fully dependent"),
    }
)
WORK_ABILITIES = Labels(
    {
        Member.WorkAbility.FULL: ("有劳动能力", "有", "able to work"),
        Member.WorkAbility.PARTIAL: ("部分丧失劳动能力", "部分", "弱劳动能力", "partly able"),
        Member.WorkAbility.NONE: ("无劳动能力", "无", "丧失劳动能力", "unable to work"),
    }
)


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
