"""The rules of the region codes: GB/T 2260's six digits, the statistical division codes'
(统计用区划代码) twelve, and the project's own form of both, which keeps only a code's
significant digits: "53" (province), "5304" (city), "530428" (county), "530428101" (township),
"530428101201" (village). A code's level and its parent's code follow from its digits alone."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from bangfu.regions.models import Region

# The first two digits of every province-level division (GB/T 2260).
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82"}
)
# A municipality's counties sit in a "xx01" 市辖区 layer (and Chongqing's counties proper in a
# "xx02" 县 layer); MCA's recent lists leave that layer out, the statistical codes keep it.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
MUNICIPAL_LAYERS = {"01": "市辖区", "02": "县"}
# "xx90" groups the county-level cities run by the province itself (省直辖县级行政区划: 济源
# 419001, 仙桃 429004, 五指山 469001, 石河子 659001): a heading in the lists, not a region.
PROVINCE_RUN = "90"
LEVEL_BY_LENGTH = {
    2: Region.Level.PROVINCE,
    4: Region.Level.CITY,
    6: Region.Level.COUNTY,
    9: Region.Level.TOWNSHIP,
    12: Region.Level.VILLAGE,
}


class CodeError(ValueError):
    """A code that no region can have; the message says why."""


@dataclass(frozen=True)
class Code:
    code: str  # significant digits only
    level: int
    parent: str | None  # None for a province

    @property
    def is_grouping(self) -> bool:
        """The "xx90" heading of the province-run county-level cities."""
        return self.level == Region.Level.CITY and self.code[2:] == PROVINCE_RUN

    @property
    def municipal_layer(self) -> str:
        """The name of the layer a municipality's county hangs on ("" for any other parent)."""
        if self.level != Region.Level.COUNTY or self.code[:2] not in MUNICIPALITIES:
            return ""
        return MUNICIPAL_LAYERS.get(self.code[2:4], "")


def significant(raw: str) -> str:
    """``raw`` in the project's form: a 6-digit GB/T 2260 code or a 12-digit statistical code
    without its trailing zero groups; a code already in that form is returned as it is."""
    if len(raw) == 6:
        groups = (2, 4, 6)
    elif len(raw) == 12:
        groups = (2, 4, 6, 9, 12)
    else:
        return raw
    for length in groups:
        if not raw[length:].strip("0"):
            return raw[:length]
    return raw


def parse_code(raw: str) -> Code:
    """The code, level and parent's code of ``raw`` (any of the accepted forms), or CodeError."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit():
        raise CodeError(_("“%(code)s” is not a code: codes are digits only.") % {"code": raw})
    if len(raw) not in LEVEL_BY_LENGTH:
        raise CodeError(
            _("“%(code)s” has %(count)d digits: a code has 6 (GB/T 2260) or 12 (统计用区划代码).")
            % {"code": raw, "count": len(raw)}
        )
    code = significant(raw)
    if code[:2] not in PROVINCES:
        raise CodeError(
            _("“%(code)s” starts with %(digits)s, which is no province's code.")
            % {"code": raw, "digits": code[:2]}
        )
    # Inside a code, a zero group may only close it: "530028" and "530428000201" name nothing.
    if (len(code) >= 6 and code[2:4] == "00") or (len(code) == 12 and code[6:9] == "000"):
        raise CodeError(
            _("“%(code)s” skips a level: a zero group stands inside the code.") % {"code": raw}
        )
    level = LEVEL_BY_LENGTH[len(code)]
    return Code(code=code, level=level, parent=_parent(code, level))


def _parent(code: str, level: int) -> str | None:
    if level == Region.Level.PROVINCE:
        return None
    if level == Region.Level.COUNTY and code[2:4] == PROVINCE_RUN:
        return code[:2]
    # A city without counties (东莞 441900, 中山 442000, 儋州 460400) holds its townships
    # itself: their county digits are "00".
    if level == Region.Level.TOWNSHIP and code[4:6] == "00":
        return code[:4]
    return code[: {2: 2, 3: 4, 4: 6, 5: 9}[level]]
