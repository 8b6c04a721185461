"""A column of a department's file (``Field``), and the cell readers only these files need."""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core.sheet_checking import CellError
from bangfu.registry.ledger.columns import Labels, code, date, grade, money, text


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
