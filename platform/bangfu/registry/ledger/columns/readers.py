"""Cell readers of the ledger (and of the cross-check files, which borrow them): how a cell a
clerk typed becomes a model value, or a ``CellError`` naming what is wrong with it."""

import datetime as dt
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from bangfu.core.sheet_checking import CellError, fold
from bangfu.core.spreadsheets import refuse_formula_text
from bangfu.core.validators import normalise_phone, validate_date_range, validate_past_date

CENT = Decimal("0.01")


def as_text(value) -> str:
    """A cell as the text a clerk sees: a whole number without Excel's ".0", a date without
    its time."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def text(value) -> str:
    """Free text (names, addresses, notes). Text a spreadsheet would run as a formula is refused:
    stored, it would become a live formula in every later export of it."""
    result = as_text(value)
    reason = refuse_formula_text(result)
    if reason is not None:
        raise CellError(reason)
    return result


def code(value) -> str:
    """Codes and numbers typed by hand: full-width digits become ASCII."""
    return unicodedata.normalize("NFKC", as_text(value)).replace(" ", "")


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
        return normalise_phone(as_text(value))
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
    text = as_text(value)
    folded = text if text in _YES or text in _NO else fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise CellError(_("Write 是 or 否, not “%(value)s”.") % {"value": as_text(value)})


def write_yes_no(value: bool) -> str:
    return "是" if value else "否"
