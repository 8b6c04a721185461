"""The migrations that add the registry's kept columns (the household's county and counts, its
members' and needs' county: registry 0014, 0017, 0018) fill them a batch of rows at a time, each
batch committed, so a province's registry is never locked for the whole fill: rows the running
code adds meanwhile are filled too, and a migration stopped part-way keeps its batches and
finishes when run again. The county keys, and the indexes of households (0013, 0014), of
members (0015, 0018) and of needs (referrals 0012, 0014), are added without reading the table
under a lock that blocks writes."""

import copy
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from bangfu.core import migration_ops
from bangfu.registry.models import Household, Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory, region_chain
from tests.migrating import ON_POSTGRESQL

# The indexes the migrations build concurrently on the households, the members and the needs.
BUILT_CONCURRENTLY = [
    "household_review_pk",
    "household_review_desc_pk",
    "household_status_number",
    "household_county_number",
    "household_members_pk",
    "household_members_desc_pk",
    "household_priority_pk",
    "household_priority_desc_pk",
    "member_name_c",
    "member_name_pinyin_c",
    "member_name_initials_c",
    "member_county_name_c",
    "member_county_pinyin_c",
    "member_county_initials_c",
    "need_desk_order",
    "need_county_desk_order",
]

pytestmark = ON_POSTGRESQL


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


def read_under_a_write_lock(statements: list[str]) -> list[str]:
    """The statements that read the households', the members' or the needs' table whole under a
    lock that blocks writes: an index built plainly, a foreign key added valid (with its column
    or alone), or dropped to be added again."""
    found = []
    for sql in statements:
        said = " ".join(sql.split()).upper()
        if not any(f"REGISTRY_{table}" in said for table in ("HOUSEHOLD", "MEMBER", "NEED")):
            continue
        if (
            (said.startswith("CREATE INDEX") and "CONCURRENTLY" not in said)
            or (("FOREIGN KEY" in said or "REFERENCES" in said) and "NOT VALID" not in said)
            or ("DROP CONSTRAINT" in said and "_FK_" in said)
        ):
            found.append(sql)
    return found


def djangos_own_statements(leaves) -> list[str]:
    """What Django's AddField and AlterField, and a plain index, say for the members' county,
    and Django's AddIndex for the households'."""
    state = MigrationExecutor(connection).loader.project_state(leaves)
    model = state.apps.get_model("registry", "Member")
    required = model._meta.get_field("county")
    nullable = copy.copy(required)
    nullable.null = True
    plain = migration_ops.postgres_index("registry_member", "member_county", '"county_id"')
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        editor.add_field(model, nullable)
        editor.alter_field(model, nullable, required)
        plain.code(state.apps, editor)
        editor.add_index(
            state.apps.get_model("registry", "Household"),
            models.Index(fields=["county", "id"], name="household_county_pk"),
        )
    return editor.collected_sql


def member_county_key() -> list[tuple]:
    return rows(
        "SELECT conname, convalidated, condeferrable, condeferred FROM pg_constraint "
        "WHERE conrelid = 'registry_member'::regclass AND contype = 'f' AND conkey = "
        "ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'registry_member'::regclass "
        "AND attname = 'county_id')]"
    )


class Stopped(Exception):
    """The migration's process stopped between two batches."""


def stopped():
    raise Stopped


def test_the_columns_are_filled_batch_by_batch_and_a_stopped_fill_finishes_when_run_again(
    registry, small_batches
):
    leaves = migrated_back_to("0012_region_tallies")
    added = []
    # Two rows a batch: the households' fill (0014) takes batches 1-2, the needs' (0017) 3-5,
    # the members' (0018) 6-8.
    small_batches.at(4, lambda: added.append(add_a_need_as_the_running_code_does()))
    small_batches.at(7, stopped)
    with pytest.raises(Stopped), CaptureQueriesContext(connection) as first:
        MigrationExecutor(connection).migrate(leaves)

    assert rows("SELECT county_id IS NOT NULL FROM registry_member ORDER BY id") == (
        [(True,)] * 2 + [(False,)] * 4
    )
    assert not not_null("registry_member")

    small_batches.plan.clear()
    with CaptureQueriesContext(connection) as again:
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

    statements = [query["sql"] for query in [*first.captured_queries, *again.captured_queries]]
    assert read_under_a_write_lock(statements) == []
    # The same schema as Django's: the key under Django's name, validated, initially deferred;
    # the indexes of the households' lists and of the search valid.
    ours = member_county_key()
    assert [(valid, deferrable, deferred) for _, valid, deferrable, deferred in ours] == [
        (True, True, True)
    ]
    assert ours[0][0].startswith("registry_member_county_id_") and ours[0][0].endswith(
        "_fk_regions_region_id"
    )
    assert rows(
        "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid::regclass::text = ANY(%s)",
        [BUILT_CONCURRENTLY],
    ) == [(len(BUILT_CONCURRENTLY),)]
    # Positive control: Django's own operations read the table under a write lock.
    theirs = read_under_a_write_lock(djangos_own_statements(leaves))
    assert [sql.split()[0] for sql in theirs] == ["ALTER", "SET", "ALTER", "CREATE", "CREATE"]


def test_an_index_whose_concurrent_build_stopped_is_built_again(registry):
    # A concurrent build that fails leaves its index behind, invalid: here a unique one over the
    # members' county, which three members share.
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "member_county_name_c"')
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            'CREATE UNIQUE INDEX CONCURRENTLY "member_county_name_c" ON registry_member (county_id)'
        )
    invalid = "SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = %s::regclass"
    assert rows(invalid, ['"member_county_name_c"']) == [(False, True)]

    index = migration_ops.postgres_index(
        "registry_member",
        "member_county_name_c",
        '"county_id", ("name" COLLATE "C"), "id"',
        concurrently=True,
    )
    state = MigrationExecutor(connection).loader.project_state()
    with connection.schema_editor(atomic=False) as editor:
        index.code(state.apps, editor)
        index.code(state.apps, editor)  # run again: the valid index is left alone

    assert rows(invalid, ['"member_county_name_c"']) == [(True, False)]
