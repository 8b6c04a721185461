"""The rules every entry applies to what people type or import, one message each.

Forms (through ``bangfu.core.forms.InputRulesMixin``), the models' ``clean()`` and the import
readers call these, so a value refused on a form is refused in a file with the same words.
NUL characters are refused by Django's own ``forms.CharField`` on every form, and by the file
readers on every import: PostgreSQL cannot store them.
"""

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.phones import canonical_phone

# Free text people type (notes, summaries, comments) when its field sets no lower limit.
TEXT_MAX_LENGTH = 2000
# Nobody living was born, visited or served before 1900; nothing is planned beyond 2100.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

validate_text_length = MaxLengthValidator(TEXT_MAX_LENGTH)


def collect_error(errors: dict, field: str, check: Callable, value) -> None:
    """Run ``check(value)`` unless the value is empty, filing its refusal under ``field``: a
    model's ``clean()`` reports every field at once."""
    if value is None or value == "":
        return
    try:
        check(value)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)


def validate_date_range(day: dt.date) -> None:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("%(date)s is not a plausible date: give one between 1900 and 2100."),
            code="date_range",
            params={"date": day.isoformat()},
        )


def validate_past_date(day: dt.date) -> None:
    """A date of something that has happened: a visit, an enrolment, a service, a payment."""
    validate_date_range(day)
    if day > timezone.localdate():
        raise ValidationError(_("This date cannot be in the future."), code="future_date")


# --- phones ------------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Area code 0 + 2 or 3 digits (010, 0877), then the local number of 7 or 8 digits.
_LANDLINE = re.compile(r"0[0-9]{2,3}[0-9]{7,8}")
PHONE_MESSAGE = _("Enter a mobile number (11 digits) or a landline with its area code.")


def normalise_phone(raw: str) -> str:
    """The digits of a mainland mobile (13912345678) or landline with its area code
    (0877-6012345 → 08776012345); full-width digits, spaces, hyphens, brackets and +86 are
    accepted. Raises ValidationError otherwise."""
    digits = canonical_phone(unicodedata.normalize("NFKC", raw or ""))
    if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)):
        raise ValidationError(PHONE_MESSAGE, code="phone")
    return digits


def validate_phone(value: str) -> None:
    normalise_phone(value)


# --- registry numbers --------------------------------------------------------------------------


def validate_registry_number(number: str, *, county_code: str) -> None:
    """A household's registry number (户编号): its county's code, a hyphen and a sequence of 4
    to 8 digits, e.g. 530428-00123. The numbering is the county's, so it says where the
    household is registered and cannot clash with another county's."""
    if not re.fullmatch(rf"{re.escape(county_code)}-[0-9]{{4,8}}", number):
        raise ValidationError(
            _(
                "A registry number is the county code %(code)s, a hyphen and 4 to 8 digits, "
                "e.g. %(example)s."
            ),
            code="registry_number",
            params={"code": county_code, "example": f"{county_code}-00123"},
        )


# --- coordinates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """Where the households of a place may lie, in degrees (a box: south ≤ lat ≤ north …)."""

    place: str
    south: float
    north: float
    west: float
    east: float


def _degrees(value) -> str:
    return f"{value:.2f}"


def _within(value, limit: int) -> bool:
    number = float(value)
    return math.isfinite(number) and abs(number) <= limit


def validate_coordinates(latitude, longitude, bounds: Bounds | None) -> None:
    """Both coordinates or neither; within the globe; within ``bounds`` when known.

    Raises a ValidationError naming the ``latitude`` and/or ``longitude`` field.
    """
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise ValidationError({missing: _("Give both latitude and longitude, or neither.")})
    errors = {}
    if not _within(latitude, 90):
        errors["latitude"] = _("%(value)s is not a latitude: give one between -90 and 90.") % {
            "value": latitude
        }
    if not _within(longitude, 180):
        errors["longitude"] = _("%(value)s is not a longitude: give one between -180 and 180.") % {
            "value": longitude
        }
    if errors:
        raise ValidationError(errors)
    if bounds is None:
        return
    lat, lon = float(latitude), float(longitude)
    outside = _(
        "Outside %(place)s: its households lie between latitude %(south)s and %(north)s and "
        "longitude %(west)s and %(east)s."
    ) % {
        "place": bounds.place,
        "south": _degrees(bounds.south),
        "north": _degrees(bounds.north),
        "west": _degrees(bounds.west),
        "east": _degrees(bounds.east),
    }
    if not bounds.south <= lat <= bounds.north:
        errors["latitude"] = outside
    if not bounds.west <= lon <= bounds.east:
        errors["longitude"] = outside
    if errors:
        raise ValidationError(errors)
