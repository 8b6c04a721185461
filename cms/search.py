"""Chinese-aware terms for Wagtail's database search backend.

SQLite FTS5 and PostgreSQL split text on spaces and punctuation, so a run of Chinese characters
("低保家庭送医陪护") is one token and a search for "低保" finds nothing. Pages therefore index a
``search_text`` of overlapping character pairs (低保 保家 家庭 …) plus single characters, and the
query is cut the same way and matched with AND: the standard n-gram approach to CJK search,
with no dictionary to install. Latin words and numbers pass through, lower-cased.
"""

import re

from django.utils.html import strip_tags
from wagtail.rich_text import RichText

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[0-9A-Za-z]+")
MAX_QUERY_TERMS = 12


def _terms(text: str, *, unigrams: bool):
    for run in _RUNS.findall(text or ""):
        if not ("\u3400" <= run[0] <= "\ufaff"):
            yield run.lower()
            continue
        if len(run) == 1 or unigrams:
            yield from run
        yield from (run[i : i + 2] for i in range(len(run) - 1))


def index_text(*parts: str) -> str:
    """What a page puts in its ``search_text``: every character and every pair of characters."""
    return " ".join(_terms(" ".join(p for p in parts if p), unigrams=True))


def query_text(query: str) -> str:
    """A visitor's query cut into the indexed terms (pairs; a lone character stays itself)."""
    terms = list(dict.fromkeys(_terms(query, unigrams=False)))
    return " ".join(terms[:MAX_QUERY_TERMS])


def stream_text(value) -> str:
    """The plain text of a StreamField value (rich text, strings, structs and lists within)."""
    parts: list[str] = []

    def walk(item) -> None:
        if item is None:
            return
        if isinstance(item, RichText):
            parts.append(strip_tags(item.source))
        elif isinstance(item, str):
            parts.append(strip_tags(item))
        elif hasattr(item, "items") and callable(item.items):
            for child in item.values():
                walk(child)
        elif hasattr(item, "value") and hasattr(item, "block_type"):
            walk(item.value)
        elif isinstance(item, list | tuple) or hasattr(item, "__iter__"):
            for child in item:
                walk(child)

    walk(value)
    return " ".join(part for part in parts if part)
