"""Reads a view opts into go to the read replica (``DATABASE_REPLICA_URL``); all else to the
primary.

A dashboard or an export that reads much and writes little marks its reads with
``use_replica()`` (a context manager or a decorator), a view with ``replica_view``. Inside it, a
read outside any transaction goes to the replica, when there is one; writes, and reads inside a
transaction (which must see the transaction's own writes and hold its locks), stay on the
primary, as does everything outside it. Who may see what (users, roles, sessions) and the state
of background jobs are read from the primary even inside: a role taken away, or a job just
queued or finished, shows at once whatever the replica's lag. A replica lags its primary by a
moment: what a user has just written is read from the primary. A streamed response's rows are
read after the view returns: ``replica_view`` marks their iteration too.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import FileResponse, StreamingHttpResponse

REPLICA = "replica"
# Read from the primary even inside the mark (see above): app labels, and models' labels.
PRIMARY_APPS = frozenset({"accounts", "auth", "sessions"})
PRIMARY_MODELS = frozenset({"core.backgroundjob"})

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def use_replica():
    """Send the reads made inside to the replica (outside transactions, if there is one)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_iteration(items: Iterable) -> Iterator:
    """``items`` with the reads that make each one on the replica. The mark is set while an item
    is made and lifted before it is handed on: the server's code between two items (and after
    the last) reads and writes as it would anyway."""
    iterator = iter(items)
    end = object()
    while True:
        with use_replica():
            item = next(iterator, end)
        if item is end:
            return
        yield item


def replica_view(view: Callable) -> Callable:
    """A view whose reads go to the replica (``use_replica``), including those of a streamed
    response's content, made after the view has returned. Put it below ``login_required``: the
    user is then loaded before the mark (though users are read from the primary anyway)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with use_replica():
            response = view(request, *args, **kwargs)
        # A file's chunks read no rows; an async stream would need a mark of its own (none
        # here: the server is WSGI).
        if (
            isinstance(response, StreamingHttpResponse)
            and not isinstance(response, FileResponse)
            and not response.is_async
        ):
            response.streaming_content = replica_iteration(response.streaming_content)
        return response

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
            and model._meta.app_label not in PRIMARY_APPS
            and model._meta.label_lower not in PRIMARY_MODELS
            and REPLICA in connections.settings
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there relates to one read here.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema by replication.
        return db != REPLICA
