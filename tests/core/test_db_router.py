"""The read replica: only the reads a view marks with ``use_replica()`` go there, outside
transactions; writes and everything else stay on the primary."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from bangfu.core.db_router import REPLICA, use_replica
from bangfu.core.models import AuditPruning

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@pytest.fixture(scope="module", autouse=True)
def _replica(django_db_setup, django_db_blocker, tmp_path_factory):
    """A second SQLite database as the replica (set up before the tests' database access,
    which must know its alias), with the one table these tests read."""
    name = str(tmp_path_factory.mktemp("replica") / "replica.db")
    databases = {
        DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS],
        REPLICA: {"ENGINE": "django.db.backends.sqlite3", "NAME": name},
    }
    connections.settings[REPLICA] = connections.configure_settings(databases)[REPLICA]
    with django_db_blocker.unblock(), connections[REPLICA].schema_editor() as editor:
        editor.create_model(AuditPruning)
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def _rows():
    """A row the replica has and the primary does not, and the other way round (the test
    case's flush leaves the replica alone: no table there is migrated)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditPruning._meta.db_table}")
    AuditPruning.objects.using(REPLICA).create(kind="erasure", by="on the replica", entries=1)
    AuditPruning.objects.create(kind="erasure", by="on the primary", entries=1)


def read_by() -> list[str]:
    return list(AuditPruning.objects.values_list("by", flat=True))


def test_marked_reads_go_to_the_replica_and_all_else_to_the_primary():
    assert read_by() == ["on the primary"]
    with use_replica():
        assert read_by() == ["on the replica"]
    assert read_by() == ["on the primary"]

    @use_replica()
    def dashboard():
        return read_by()

    assert dashboard() == ["on the replica"]


def test_writes_and_reads_in_a_transaction_stay_on_the_primary():
    with use_replica():
        AuditPruning.objects.create(kind="erasure", by="written", entries=2)
        with transaction.atomic():
            assert sorted(read_by()) == ["on the primary", "written"]
        assert read_by() == ["on the replica"]  # positive control: outside, the replica answers
    assert AuditPruning.objects.using(REPLICA).count() == 1
