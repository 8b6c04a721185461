"""A volunteer's week: the days and parts of the day they are free, and the open cases their
weekly hours allow.

``Volunteer.available_times`` holds time ranges, ``[{"day": 1-7, "start": "HH:MM", "end":
"HH:MM"}]`` with Monday as day 1, so a range written elsewhere (the admin, an import) keeps its
exact hours. The forms show the week as a grid of days × parts of the day; a ticked cell is stored
as that part's range, and a stored range ticks every part it overlaps. An empty list means "any
time within the weekly hours".
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DAYS = (
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
)


@dataclass(frozen=True)
class DayPart:
    code: str
    label: str
    start: str
    end: str


DAY_PARTS = (
    DayPart("morning", _("morning"), "08:00", "12:00"),
    DayPart("afternoon", _("afternoon"), "12:00", "18:00"),
    DayPart("evening", _("evening"), "18:00", "21:00"),
)
PART_CODES = tuple(part.code for part in DAY_PARTS)

# A case takes about this many hours of a volunteer's week (a visit and the way there): a
# volunteer holds no more open cases than their weekly hours allow.
HOURS_PER_CASE = 2

Slot = tuple[int, str]  # (day, part code)


def case_limit(*, capacity: int, weekly_hours: int) -> int:
    """The open cases a volunteer can hold: their own limit, and no more than their hours allow."""
    return min(capacity, weekly_hours // HOURS_PER_CASE)


def _minutes(value) -> int:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError(value)
    hours, minutes = int(value[:2]), int(value[3:])
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ValueError(value)
    return hours * 60 + minutes


def clean_times(value) -> list[dict]:
    """Check stored time ranges; raise ValidationError on the ``available_times`` field."""
    error = ValidationError(
        {"available_times": _("Give each time as a day from 1 to 7 with a start before its end.")}
    )
    if not isinstance(value, list):
        raise error
    cleaned = []
    for entry in value:
        try:
            day, start, end = entry["day"], entry["start"], entry["end"]
            if type(day) is not int or not 1 <= day <= 7 or _minutes(start) >= _minutes(end):
                raise error
        except (KeyError, TypeError, ValueError):
            raise error from None
        cleaned.append({"day": day, "start": start, "end": end})
    return cleaned


def slots_of(times: Iterable[dict]) -> set[Slot]:
    """The (day, part) cells a list of stored time ranges overlaps."""
    found = set()
    for entry in times:
        start, end = _minutes(entry["start"]), _minutes(entry["end"])
        for part in DAY_PARTS:
            if start < _minutes(part.end) and end > _minutes(part.start):
                found.add((entry["day"], part.code))
    return found


def times_of(slots: Iterable[Slot]) -> list[dict]:
    """Stored time ranges of (day, part) cells, in the order of the week."""
    by_code = {part.code: part for part in DAY_PARTS}
    ordered = sorted(set(slots), key=lambda slot: (slot[0], PART_CODES.index(slot[1])))
    return [
        {"day": day, "start": by_code[code].start, "end": by_code[code].end}
        for day, code in ordered
    ]
