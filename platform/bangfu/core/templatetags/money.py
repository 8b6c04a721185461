"""Amounts of money as people read them: ``{% load money %}`` then ``{{ amount|yuan }}``.

An amount is written 1,450,800.00 in every language. Django's own grouping (``floatformat:"2g"``,
``intcomma``) follows the active locale, and the Chinese one groups nothing, so the pages would
show 1450800.00 to the people who read them most. Code that writes amounts into sentences,
charts or PDFs calls ``yuan`` too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

FEN = Decimal("0.01")
NONE = "—"


@register.filter(is_safe=True)
def yuan(value) -> str:
    """1,450,800.00: to the fen (half up), thousands separated; a dash for no amount, a minus
    before a negative one. Anything that is not a number comes back as it was."""
    if value is None or value == "":
        return NONE
    try:
        amount = Decimal(str(value)).quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    # -0.004 rounds to zero, which has no sign.
    return f"{amount or amount.copy_abs():,.2f}"
