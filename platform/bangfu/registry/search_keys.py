"""What a person's name and ID number are searched by, kept beside them on each member's row.

A clerk types a name as it sounds (``yangguixian``), its initials (``ygx``) or the last digits
of an ID number read out on the telephone. The pinyin is derived from the name; the ID number's
tail is stored only as keyed hashes (one per length), never as clear digits. The fields recompute
their value from the name or ID number whenever the row is saved or bulk-created (the ledger
import, the demo), like the ID number's own lookup hash.
"""

import re

from pypinyin import lazy_pinyin

from bangfu.core import crypto
from bangfu.core.fields import LookupHashField

KEY_LENGTH = 64
ID_TAIL_LENGTHS = (4, 5, 6)

# Surnames read otherwise than the character's most common reading (曾 is zēng, not céng).
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "查": "zha",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "秘": "bi",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "员": "yun",
    "繁": "po",
    "尉": "yu",
    "种": "chong",
    "重": "chong",
    "沈": "shen",
    "长": "chang",
    "能": "nai",
}

_NOT_LETTER = re.compile(r"[^a-z]")


class SearchKeyField(LookupHashField):
    """A search key derived from another field of the row (the name's pinyin), recomputed on
    every save and bulk insert as a lookup hash is. Unlike a hash its length follows the name's,
    so it is cut to its column (64 characters): a long name is still saved, and found by the
    start of its pinyin."""

    def pre_save(self, model_instance, add):
        key = super().pre_save(model_instance, add)[: self.max_length]
        setattr(model_instance, self.attname, key)
        return key


def _syllables(name: str) -> list[str]:
    name = (name or "").strip()
    if not name:
        return []
    first = SURNAME_READINGS.get(name[0])
    syllables = lazy_pinyin(name[1:]) if first else lazy_pinyin(name)
    syllables = [first, *syllables] if first else syllables
    return [word for word in (_NOT_LETTER.sub("", s.lower()) for s in syllables) if word]


def name_pinyin(name: str) -> str:
    """杨桂仙 → ``yangguixian`` (toneless, ü written v as on a keyboard: 吕 → ``lv``)."""
    return "".join(_syllables(name))


def name_initials(name: str) -> str:
    """杨桂仙 → ``ygx``."""
    return "".join(word[0] for word in _syllables(name))


def name_grams(name: str) -> str:
    """杨桂仙 → `` 杨 桂 仙 杨桂 桂仙 ``: its characters and pairs of characters, between spaces.

    A part of a name typed is one or two characters more often than three, and a trigram index
    finds nothing shorter than three; ``LIKE '% 桂仙 %'`` on this key is a whole word, which it
    finds (the spaces pad the word as the index pads its words)."""
    name = "".join((name or "").split())
    pairs = [name[index : index + 2] for index in range(len(name) - 1)]
    grams, length = [], 1
    for gram in dict.fromkeys([*name, *pairs]):
        if length + len(gram) + 1 > KEY_LENGTH:
            break
        grams.append(gram)
        length += len(gram) + 1
    return f" {' '.join(grams)} " if grams else ""


def id_tail_hash(tail: str) -> str:
    """The keyed hash of the last digits of an ID number (X upper-cased), apart from the hash of
    a whole number: a tail alone is never hashed as if it were one."""
    return crypto.lookup_hash(f"id-tail:{tail.strip().upper()}")


def id_tail4_hash(id_number: str) -> str:
    return id_tail_hash(id_number[-4:])


def id_tail5_hash(id_number: str) -> str:
    return id_tail_hash(id_number[-5:])


def id_tail6_hash(id_number: str) -> str:
    return id_tail_hash(id_number[-6:])
