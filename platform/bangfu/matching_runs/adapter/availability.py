"""When, in which language and how much a provider can serve, as the engine's columns.

- **Languages.** Each language name met in a run gets a bit (``Languages``), shared by the
  run's needs (the household's ``languages``) and volunteers; a need gets only volunteers who
  speak one of its languages. Stations, projects and offers are not bound by language
  (``ALL_LANGUAGES``): a station or agency is a team that sends someone who speaks it.
- **Times.** A volunteer's ``available_times`` become the week's slots they are free in. A need's
  preferred times are the household's own words (``Need.preferred_times``, e.g. 工作日上午,
  周末), written on the visit's form, not a grid: ``need_times`` reads the days and parts of the
  day they name. The words it knows are few and plain; text it does not understand (街天以外), or
  that says what is *not* wanted, gives no constraint rather than a wrong one, so the engine never
  refuses a volunteer over words it could not read. A need's times are a hard constraint; the
  engine's ``availability`` component orders the volunteers who pass it.
- **Weekly hours.** A volunteer holds no more open cases than their hours allow
  (``bangfu.providers.times.case_limit``), the same rule referrals apply on acceptance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from bangfu.providers.times import slots_of
from matching.types import DAY_PARTS


def _with_plurals(words: dict) -> dict:
    """English words also in the plural ("weekday mornings")."""
    return words | {f"{word}s": value for word, value in words.items() if word.isascii()}


_ALL_DAYS = range(1, 8)
_WEEKDAYS, _WEEKEND = range(1, 6), (6, 7)
_DAY_NAMES = {
    1: ("周一", "星期一", "礼拜一", "monday"),
    2: ("周二", "星期二", "礼拜二", "tuesday"),
    3: ("周三", "星期三", "礼拜三", "wednesday"),
    4: ("周四", "星期四", "礼拜四", "thursday"),
    5: ("周五", "星期五", "礼拜五", "friday"),
    6: ("周六", "星期六", "礼拜六", "saturday"),
    7: ("周日", "周天", "星期日", "星期天", "礼拜日", "礼拜天", "sunday"),
}
DAY_WORDS = _with_plurals(
    {word: (day,) for day, words in _DAY_NAMES.items() for word in words}
    | {
        word: tuple(days)
        for words, days in (
            (("工作日", "平日", "weekday"), _WEEKDAYS),
            (("周末", "双休日", "weekend"), _WEEKEND),
            (("每天", "天天", "every day", "daily"), _ALL_DAYS),
        )
        for word in words
    }
)
PART_WORDS = _with_plurals(
    {
        word: parts
        for words, parts in (
            (("上午", "早上", "早晨", "morning"), ("morning",)),
            (("下午", "午后", "afternoon"), ("afternoon",)),
            (("晚上", "傍晚", "晚间", "夜间", "evening"), ("evening",)),
            (("白天",), ("morning", "afternoon")),
            (("全天",), DAY_PARTS),
        )
        for word in words
    }
)
# Words that turn the sense around ("except market days"): the text is then not read at all.
NEGATIONS = ("以外", "之外", "除", "不", "except", "not")
_RANGE = ("至", "到", "-", "~", "—", "–", "to")


def _pattern(words: Iterable[str]) -> re.Pattern:
    # Longest first, so that 星期天 is read whole; English words only as whole words.
    ordered = sorted(words, key=len, reverse=True)
    alternatives = (rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in ordered)
    return re.compile("|".join(alternatives))


_DAYS = _pattern(DAY_WORDS)
_PARTS = _pattern(PART_WORDS)
_NEGATION = _pattern(NEGATIONS)


def slot_bit(day: int, part: str) -> int:
    """The engine's bit of one slot of the week (Monday is day 1)."""
    return 1 << ((day - 1) * len(DAY_PARTS) + DAY_PARTS.index(part))


def _days(text: str) -> set[int]:
    """The days a text names; "周一至周五" names the days between too."""
    found, matches = set(), list(_DAYS.finditer(text))
    for match in matches:
        found.update(DAY_WORDS[match.group(0)])
    for first, second in pairwise(matches):
        between = text[first.end() : second.start()].strip()
        ends = DAY_WORDS[first.group(0)], DAY_WORDS[second.group(0)]
        if between in _RANGE and all(len(end) == 1 for end in ends):
            start, stop = ends[0][0], ends[1][0]
            found.update((start - 1 + step) % 7 + 1 for step in range((stop - start) % 7 + 1))
    return found


def need_times(text: str) -> int:
    """The slots of the week a need's preferred times name, as the engine's bit mask; 0 (no
    preference) when they name no day or part of the day, or say what is not wanted.

    The days named (every day if none) at the parts of the day named (all three if none):
    "工作日上午" is Monday to Friday mornings, "周末" all of Saturday and Sunday, "下午" every
    afternoon.
    """
    text = (text or "").casefold()
    if not text or _NEGATION.search(text):
        return 0
    days = _days(text)
    parts = {part for match in _PARTS.finditer(text) for part in PART_WORDS[match.group(0)]}
    if not days and not parts:
        return 0
    mask = 0
    for day in days or _ALL_DAYS:
        for part in parts or DAY_PARTS:
            mask |= slot_bit(day, part)
    return mask


def volunteer_times(available_times: list[dict]) -> int:
    """The slots of the week a volunteer is free in; 0 (any time) when they recorded none."""
    mask = 0
    for day, part in slots_of(available_times):
        mask |= slot_bit(day, part)
    return mask


class Languages:
    """One bit per language name met in a run, shared by the run's needs and providers.

    Names are compared without surrounding spaces or case. Past 63 languages in one county the
    bits are shared: a rare language then matches another rare one, proposing too many
    volunteers rather than refusing one who speaks it.
    """

    BITS = 63

    def __init__(self):
        self.bits: dict[str, int] = {}

    def mask(self, names: Iterable[str]) -> int:
        mask = 0
        for name in names or ():
            key = str(name).strip().casefold()
            if key:
                bit = self.bits.setdefault(key, len(self.bits) % self.BITS)
                mask |= 1 << bit
        return mask
