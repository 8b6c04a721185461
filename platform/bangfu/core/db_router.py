"""Reads a view opts into go to the read replica (``DATABASE_REPLICA_URL``); all else to the
primary.

A dashboard or an export that reads much and writes little marks its reads with
``use_replica()`` (a context manager or a decorator). Inside it, a read outside any transaction
goes to the replica, when there is one; writes, and reads inside a transaction (which must see
the transaction's own writes and hold its locks), stay on the primary, as does everything
outside it. A replica lags its primary by a moment: what a user has just written is read from
the primary. A streamed response's rows are read after the view returns, outside the mark.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def use_replica():
    """Send the reads made inside to the replica (outside transactions, if there is one)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
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
