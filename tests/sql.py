"""Reading what a page read, for the tests that bound its queries, their joins and the model
objects it built."""

from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext


def joins(sql: str) -> int:
    """The number of JOINs in ``sql`` (PostgreSQL plans a join of many tables for longer than it
    runs it: issue #17)."""
    return sql.count(" JOIN ")


def reads(models, fetch) -> tuple[int, int]:
    """(queries, objects of ``models`` built) while ``fetch()`` runs."""
    built = []

    def count(sender, **kwargs):
        if sender in models:
            built.append(sender)

    post_init.connect(count, weak=False)
    try:
        with CaptureQueriesContext(connection) as queries:
            fetch()
    finally:
        post_init.disconnect(count)
    return len(queries), len(built)


def stored(table: str, column: str, pk: int) -> str:
    """The column of one row as the database holds it (encrypted, where it is)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]
