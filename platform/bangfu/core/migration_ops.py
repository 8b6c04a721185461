"""Migration operations: moving a column of personal data to encryption at rest, filling a new
column of a large table in batches (its foreign key and NOT NULL added without reading the table
under a lock that blocks writes), building indexes concurrently, and checking foreign keys at
once before a later operation alters the table.

Migrations import these by name, so what they leave in the database must not change once a
migration uses them.
"""

import copy

from django.db import migrations, transaction
from django.db.models import Max, Min

from bangfu.core import crypto
from bangfu.core.fields import LookupHashField

BATCH_SIZE = 1000
# Rows a column is filled for in one transaction (``filled_then_required``).
FILL_BATCH = 5000
# The suffix of the names Django gives foreign keys' constraints.
FK_SUFFIX = "_fk_%(to_table)s_%(to_column)s"


def encrypt_column(app_label: str, model_name: str, field_name: str) -> migrations.RunPython:
    """Encrypt the clear values already in a column that has just become an EncryptedTextField,
    and fill the lookup-hash columns computed from it. Reversing decrypts them back.

    Place it after the operations that widen the column and add its hash columns. It reads and
    writes the table in SQL: the historical model's field would try to decrypt the clear text.
    """

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        hashes = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, LookupHashField) and field.source == field_name
        ]

        def converted(clear: str) -> list[str]:
            return [crypto.encrypt(clear)] + [field.digest(clear) for field in hashes]

        _rewrite(schema_editor, model, field_name, [f.column for f in hashes], converted)

    def backward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        _rewrite(schema_editor, model, field_name, [], lambda token: [crypto.decrypt(token)])

    return migrations.RunPython(forward, backward, elidable=False)


def _rewrite(schema_editor, model, field_name: str, also: list[str], convert) -> None:
    """Replace each non-empty value of the column (and the ``also`` columns) by ``convert``'s
    output, in batches by primary key."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    column = quote(model._meta.get_field(field_name).column)
    assignments = ", ".join(f"{quote(name)} = %s" for name in [column, *also])
    select = f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''"
    update = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
    with connection.cursor() as cursor:
        last = None
        while True:
            after = "" if last is None else f" AND {pk} > %s"
            cursor.execute(
                f"{select}{after} ORDER BY {pk} LIMIT {BATCH_SIZE}", [] if last is None else [last]
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(update, [[*convert(value), key] for key, value in rows])
            last = rows[-1][0]


class AddedOnce(migrations.AddField):
    """AddField that leaves the column alone when the table has it already: a migration that
    fills it in batches (``filled_then_required``) is not atomic, and one stopped part-way is run
    again from its start.

    On PostgreSQL a foreign key's constraint is added NOT VALID and validated afterwards, under a
    lock that lets rows be written meanwhile: added with the column, it would read the whole
    table while holding the column's exclusive lock."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
        keyed = connection.vendor == "postgresql" and field.remote_field and field.db_constraint
        if field.column not in {column.name for column in columns}:
            if not keyed:
                super().database_forwards(app_label, schema_editor, from_state, to_state)
                return
            unkeyed = copy.copy(field)
            unkeyed.db_constraint = False
            schema_editor.add_field(model, unkeyed)
        if keyed:
            table = schema_editor.quote_name(model._meta.db_table)
            if not schema_editor._constraint_names(model, [field.column], foreign_key=True):
                schema_editor.execute(
                    f"{schema_editor._create_fk_sql(model, field, FK_SUFFIX)} NOT VALID"
                )
            name = schema_editor._fk_constraint_name(model, field, FK_SUFFIX)
            schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


class RequiredInPlace(migrations.AlterField):
    """AlterField that, on PostgreSQL, only sets NOT NULL when that is all that changes. Django's
    AlterField drops a foreign key's constraint and adds it again, which reads the whole table
    under a lock that blocks writes."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not self._altered(app_label, schema_editor, from_state, to_state, "SET"):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not self._altered(app_label, schema_editor, from_state, to_state, "DROP"):
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def _altered(self, app_label, schema_editor, from_state, to_state, verb: str) -> bool:
        if schema_editor.connection.vendor != "postgresql":
            return False
        old = from_state.apps.get_model(app_label, self.model_name)._meta.get_field(self.name)
        new = to_state.apps.get_model(app_label, self.model_name)._meta.get_field(self.name)
        *_, old_kwargs = old.deconstruct()
        *_, new_kwargs = new.deconstruct()
        old_kwargs.pop("null", None)
        new_kwargs.pop("null", None)
        if old_kwargs != new_kwargs or old.column != new.column:
            return False
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(new.model._meta.db_table)} "
            f"ALTER COLUMN {quote(new.column)} {verb} NOT NULL"
        )
        return True


def filled_then_required(app_label: str, model_name: str, values, name: str, field) -> list:
    """Operations that fill the columns just added to every row, then make the column ``name``
    NOT NULL, as ``field``. ``values(apps)`` gives each column's value as an expression over the
    row (``OuterRef``). The migration that uses them sets ``atomic = False``.

    Each batch of ``FILL_BATCH`` primary keys is filled in a transaction of its own: no lock is
    held on the table for the whole fill, and a fill stopped part-way keeps the batches it
    committed (run again, it fills them again, to the same values). On PostgreSQL the column is
    then checked by a constraint added NOT VALID, which holds for every row written from then
    on; the rows added since their batch was filled are filled; the constraint is validated
    without blocking writes, and SET NOT NULL reads it instead of the table."""

    def rows(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        return model._base_manager.using(schema_editor.connection.alias)

    def constraint(model, schema_editor) -> tuple[str, str, str]:
        """The table, the check's name and the column, quoted."""
        quote = schema_editor.quote_name
        column = model._meta.get_field(name).column
        table = model._meta.db_table
        return quote(table), quote(f"{table}_{column}_not_null"), quote(column)

    def fill(apps, schema_editor):
        queryset = rows(apps, schema_editor)
        bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is None:
            return
        for start in range(bounds["low"], bounds["high"] + 1, FILL_BATCH):
            with transaction.atomic(using=schema_editor.connection.alias):
                queryset.filter(pk__gte=start, pk__lt=start + FILL_BATCH).update(**values(apps))

    def checked(apps, schema_editor):
        queryset = rows(apps, schema_editor)
        postgres = schema_editor.connection.vendor == "postgresql"
        if postgres:
            unchecked(apps, schema_editor)
            table, check, column = constraint(queryset.model, schema_editor)
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID"
            )
        queryset.filter(**{f"{name}__isnull": True}).update(**values(apps))
        if postgres:
            schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}")

    def unchecked(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table, check, _ = constraint(apps.get_model(app_label, model_name), schema_editor)
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {check}")

    return [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(checked, unchecked, elidable=False),
        RequiredInPlace(model_name=model_name, name=name, field=field),
        migrations.RunPython(unchecked, migrations.RunPython.noop, elidable=False),
    ]


def keys_checked_now(schema_editor) -> None:
    """Check the foreign keys of rows written so far now, not at commit: on PostgreSQL a table
    with pending deferred checks cannot be altered later in the same transaction."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def postgres_index(
    table: str, name: str, columns: str, concurrently: bool = False
) -> migrations.RunPython:
    """An index that only PostgreSQL builds: SQLite refuses NULLS LAST in an index, and its
    embedded registries are small enough to sort. ``columns`` is the SQL inside the parentheses.

    It stays out of the models' Meta on purpose: SQLite rebuilds a table with every index the
    model state names when a column changes, and would meet this one then.

    ``concurrently`` builds it without blocking writes to a large table, in a migration that sets
    ``atomic = False``. A concurrent build that stopped leaves an invalid index behind: it is
    dropped and built again."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            _index_built(schema_editor, name, f'"{table}" ({columns})', concurrently=concurrently)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forward, backward, elidable=False)


def index_in_sql(name: str, on: str, *, owned: bool = True) -> migrations.RunPython:
    """An index written in SQL that both databases build: ``on`` is what follows ON (the table,
    its columns or expressions, a condition). PostgreSQL builds it concurrently
    (``built_concurrently``), in a migration that sets ``atomic = False``; SQLite as written.
    Reversed, the index is dropped, unless it is not ``owned`` (an earlier migration's, built
    again where it went missing)."""

    def forward(apps, schema_editor):
        concurrently = schema_editor.connection.vendor == "postgresql"
        _index_built(schema_editor, name, on, concurrently=concurrently)

    def backward(apps, schema_editor):
        if owned:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    return migrations.RunPython(forward, backward, elidable=False)


def _index_built(schema_editor, name: str, on: str, *, concurrently: bool) -> None:
    """Build the index ``name`` ``ON`` what follows (``built_concurrently``, or plainly), unless
    it exists."""
    quoted = schema_editor.quote_name(name)
    if concurrently:
        built_concurrently(schema_editor, name, f"CREATE INDEX CONCURRENTLY {quoted} ON {on}")
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quoted} ON {on}")


def built_concurrently(schema_editor, name: str, create: str) -> None:
    """Run ``create``, a CREATE INDEX CONCURRENTLY of the index ``name``, unless a valid index of
    that name exists; an invalid one, left by a concurrent build that stopped, is dropped
    first."""
    quoted = schema_editor.quote_name(name)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [quoted]
        )
        found = cursor.fetchone()
    if found and found[0]:
        return
    if found:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quoted}")
    schema_editor.execute(create)


class IndexedConcurrently(migrations.AddIndex):
    """AddIndex that PostgreSQL builds without blocking writes to a large table
    (``built_concurrently``), in a migration that sets ``atomic = False``; other databases build
    it as AddIndex does."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        create = self.index.create_sql(model, schema_editor, concurrently=True)
        built_concurrently(schema_editor, self.index.name, str(create))
