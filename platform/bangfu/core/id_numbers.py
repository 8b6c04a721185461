"""Resident identity numbers (居民身份证号码, GB 11643-1999).

Eighteen characters: a six-digit address code, the birth date as YYYYMMDD, a three-digit
sequence whose last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check
character (0-9 or X).
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """The number is not a valid resident ID; the message says why, in words a clerk can act on."""


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate an ID number and derive birth date and sex from it."""
    number = normalise(raw)
    if len(number) != 18:
        raise InvalidIdNumber(_("must have 18 characters, has %(count)d") % {"count": len(number)})
    if not _SHAPE.match(number):
        raise InvalidIdNumber(_("must be 17 digits followed by a digit or X"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("birth date %(date)s does not exist") % {"date": number[6:14]}
        ) from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1890:
        raise InvalidIdNumber(
            _("birth date %(date)s is not plausible") % {"date": birth.isoformat()}
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(
            _("check digit is %(found)s, should be %(expected)s")
            % {"found": number[17], "expected": expected}
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return IdFacts(number=number, birth_date=birth, sex=sex)
