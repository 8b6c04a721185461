"""The one way a row reaches the public site: apps below the site say it was published.

Offers (and any other app whose rows have public notices) call ``published(kind, pk)`` whenever
what the public sees of a row may have changed; the public site appends its handler to
``on_published`` in its ``AppConfig.ready``. Handlers run when the transaction commits, so a
rolled-back change never reaches the site, and the sender never names the site (see README,
floors).
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction

# Called with the kind of row ("offer") and its primary key, after the commit.
on_published: list[Callable[[str, int], None]] = []


def published(kind: str, pk: int) -> None:
    for handler in on_published:
        transaction.on_commit(partial(handler, kind, pk))
