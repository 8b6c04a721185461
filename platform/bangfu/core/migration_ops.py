"""Migration operations: moving a column of personal data to encryption at rest, and checking
foreign keys at once before a later operation alters the table.

Migrations import these by name, so their behaviour must not change once a migration uses them.
"""

from django.db import migrations

from bangfu.core import crypto
from bangfu.core.fields import LookupHashField

BATCH_SIZE = 1000


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


def keys_checked_now(schema_editor) -> None:
    """Check the foreign keys of rows written so far now, not at commit: on PostgreSQL a table
    with pending deferred checks cannot be altered later in the same transaction."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def postgres_index(table: str, name: str, columns: str) -> migrations.RunPython:
    """An index that only PostgreSQL builds: SQLite refuses NULLS LAST in an index, and its
    embedded registries are small enough to sort. ``columns`` is the SQL inside the parentheses.

    It stays out of the models' Meta on purpose: SQLite rebuilds a table with every index the
    model state names when a column changes, and would meet this one then."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forward, backward, elidable=False)
