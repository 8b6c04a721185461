"""Reading the SQL a page sent, for the tests that bound what its queries join."""


def joins(sql: str) -> int:
    """The number of JOINs in ``sql`` (PostgreSQL plans a join of many tables for longer than it
    runs it: issue #17)."""
    return sql.count(" JOIN ")
