"""What the replica's tests share: a replica alias exists only in transactional tests, whose
database pytest-django opens through the mark."""

import pytest


@pytest.fixture(autouse=True)
def _django_db_marker(request):
    """Open the database as ``committed`` does (emptied, then the migrations' data restored),
    for the mark, which alone can name the replica among the test's databases: pytest-django's
    own fixture of this name would open it before ``committed`` empties it."""
    request.getfixturevalue("committed")
