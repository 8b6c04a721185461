"""What the tests of data migrations share.

Going back and forth through the migrations costs minutes of state rendering: it is done once
per CI run, on the database the migrations will run on (the PostgreSQL stage). A module of such
tests says ``pytestmark = ON_POSTGRESQL``."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ON_POSTGRESQL = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="data migrations are exercised on PostgreSQL (CI's second stage)",
    ),
]


def migrate(targets) -> MigrationExecutor:
    """Take the database to ``targets``; the executor of where it then stands."""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)
