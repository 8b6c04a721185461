"""The migrations that add the registry's kept columns (the household's county and counts, its
members' and needs' county: registry 0014, 0017, 0018) fill them a batch of rows at a time, each
batch committed, so a province's registry is never locked for the whole fill: rows the running
code adds meanwhile are filled too, and a migration stopped part-way keeps its batches and
finishes when run again."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bangfu.core import migration_ops
from bangfu.registry.models import Household, Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory, region_chain

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="data migrations are exercised on PostgreSQL (CI's second stage)",
    ),
]


@pytest.fixture
def registry(committed):
    """Three households in two villages of a county: 3, 2 and 1 members; two open needs each."""
    *_, village = region_chain("530428", "101", "201")
    *_, other = region_chain("530428", "102", "202")
    households = [HouseholdFactory(region=region) for region in (village, village, other)]
    for household, members in zip(households, (3, 2, 1), strict=True):
        MemberFactory.create_batch(members, household=household)
        NeedFactory.create_batch(2, household=household)
    return households


@pytest.fixture
def small_batches(monkeypatch):
    """Two rows a batch; ``at(n, action)`` runs ``action`` as the n-th batch begins."""
    monkeypatch.setattr(migration_ops, "FILL_BATCH", 2)
    batches = []

    def atomic(*args, **kwargs):
        batches.append(len(batches) + 1)
        for n, action in plan:
            if n == len(batches):
                action()
        return transaction.atomic(*args, **kwargs)

    plan = []
    monkeypatch.setattr(migration_ops, "transaction", SimpleNamespace(atomic=atomic))
    return SimpleNamespace(at=lambda n, action: plan.append((n, action)), plan=plan, seen=batches)


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def not_null(table: str) -> bool:
    return rows(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = %s::regclass AND attname = "
        "'county_id'",
        [table],
    )[0][0]


def checks_left(table: str) -> list[tuple]:
    return rows(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND conname LIKE "
        "'%%not_null'",
        [table],
    )


def migrated_back_to(target: str) -> list:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("registry", target)])
    return leaves


def add_a_need_as_the_running_code_does() -> int:
    """A copy of the last need, written as code that does not know the county column does."""
    with connection.cursor() as cursor:
        names = [
            column.name
            for column in connection.introspection.get_table_description(cursor, "registry_need")
            if column.name not in ("id", "county_id")
        ]
    columns = ", ".join(f'"{name}"' for name in names)
    return rows(
        f"INSERT INTO registry_need ({columns}) SELECT {columns} FROM registry_need "
        "ORDER BY id DESC LIMIT 1 RETURNING id"
    )[0][0]


class Stopped(Exception):
    """The migration's process stopped between two batches."""


def stopped():
    raise Stopped


def test_the_columns_are_filled_batch_by_batch_and_a_stopped_fill_finishes_when_run_again(
    registry, small_batches
):
    leaves = migrated_back_to("0013_list_indexes")
    added = []
    # Two rows a batch: the households' fill (0014) takes batches 1-2, the needs' (0017) 3-5,
    # the members' (0018) 6-8.
    small_batches.at(4, lambda: added.append(add_a_need_as_the_running_code_does()))
    small_batches.at(7, stopped)
    with pytest.raises(Stopped):
        MigrationExecutor(connection).migrate(leaves)

    assert rows("SELECT county_id IS NOT NULL FROM registry_member ORDER BY id") == (
        [(True,)] * 2 + [(False,)] * 4
    )
    assert not not_null("registry_member")

    small_batches.plan.clear()
    MigrationExecutor(connection).migrate(leaves)

    # Seven batches begun, the seventh stopped; then the members' three from the first.
    assert small_batches.seen == list(range(1, 7 + 3 + 1))
    for household, members in zip(registry, (3, 2, 1), strict=True):
        kept = Household.objects.get(pk=household.pk)
        assert (kept.county_id, kept.member_count, kept.open_need_count) == (
            household.county_id,
            members,
            2,
        )
        assert set(kept.members.values_list("county", flat=True)) == {household.county_id}
    # A need the running code added after its batch was filled.
    assert Need.objects.get(pk=added[0]).county_id == registry[-1].county_id
    assert not Need.objects.filter(county=None).exists()
    for table in ("registry_household", "registry_member", "registry_need"):
        assert not_null(table)
        assert checks_left(table) == []
    with pytest.raises(IntegrityError), transaction.atomic():
        rows("UPDATE registry_member SET county_id = NULL")
