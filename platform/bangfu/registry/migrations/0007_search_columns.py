"""Search columns for people search: each member's name in pinyin (full and initials), its
characters and pairs of characters, and keyed hashes of the last 4, 5 and 6 characters of the ID number, filled for the rows already there;
on PostgreSQL, trigram indexes for searching part of a name, a pinyin or an address."""

from django.db import migrations, models

import bangfu.core.fields
import bangfu.registry.search_keys
from bangfu.registry import search_keys

BATCH_SIZE = 1000
KEYS = (
    "name_pinyin",
    "name_initials",
    "name_grams",
    "id_tail4_hash",
    "id_tail5_hash",
    "id_tail6_hash",
)

# (index, table, column): GIN trigram indexes serve LIKE '%…%' on PostgreSQL.
TRIGRAM_INDEXES = (
    ("registry_member_name_trgm", "registry_member", "name"),
    ("registry_member_name_pinyin_trgm", "registry_member", "name_pinyin"),
    ("registry_member_name_grams_trgm", "registry_member", "name_grams"),
    ("registry_household_address_trgm", "registry_household", "address"),
    ("registry_household_number_trgm", "registry_household", "registry_number"),
)


def fill_keys(apps, schema_editor):
    Member = apps.get_model("registry", "Member")
    batch = []
    for member in (
        Member.objects.only("pk", "name", "id_number")
        .order_by("pk")
        .iterator(chunk_size=BATCH_SIZE)
    ):
        member.name_pinyin = search_keys.name_pinyin(member.name)
        member.name_initials = search_keys.name_initials(member.name)
        member.name_grams = search_keys.name_grams(member.name)
        member.id_tail4_hash = search_keys.id_tail4_hash(member.id_number)
        member.id_tail5_hash = search_keys.id_tail5_hash(member.id_number)
        member.id_tail6_hash = search_keys.id_tail6_hash(member.id_number)
        batch.append(member)
        if len(batch) >= BATCH_SIZE:
            Member.objects.bulk_update(batch, KEYS)
            batch = []
    if batch:
        Member.objects.bulk_update(batch, KEYS)


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension: the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


def search_key(digest, **options):
    return bangfu.registry.search_keys.SearchKeyField(digest=digest, source="name", **options)


def tail_hash(digest):
    return bangfu.core.fields.LookupHashField(db_index=True, digest=digest, source="id_number")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_languages_and_preferred_times"),
    ]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="name",
            field=models.CharField(db_index=True, max_length=50, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="member",
            name="name_pinyin",
            field=search_key(bangfu.registry.search_keys.name_pinyin, db_index=True),
        ),
        migrations.AddField(
            model_name="member",
            name="name_initials",
            field=search_key(bangfu.registry.search_keys.name_initials, db_index=True),
        ),
        migrations.AddField(
            model_name="member",
            name="name_grams",
            field=search_key(bangfu.registry.search_keys.name_grams),
        ),
        migrations.AddField(
            model_name="member",
            name="id_tail4_hash",
            field=tail_hash(bangfu.registry.search_keys.id_tail4_hash),
        ),
        migrations.AddField(
            model_name="member",
            name="id_tail5_hash",
            field=tail_hash(bangfu.registry.search_keys.id_tail5_hash),
        ),
        migrations.AddField(
            model_name="member",
            name="id_tail6_hash",
            field=tail_hash(bangfu.registry.search_keys.id_tail6_hash),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
