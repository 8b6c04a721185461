from django.db import migrations

from bangfu.core.migration_ops import postgres_index


class Migration(migrations.Migration):
    """A search's name, pinyin and initials prefixes, read in their own (byte) order from an
    index of each key in the "C" collation (``registry.search``), on PostgreSQL only, built
    without blocking writes to a province's members."""

    atomic = False

    dependencies = [("registry", "0014_household_summaries")]

    operations = [
        postgres_index(
            "registry_member", "member_name_c", '("name" COLLATE "C"), "id"', concurrently=True
        ),
        postgres_index(
            "registry_member",
            "member_name_pinyin_c",
            '("name_pinyin" COLLATE "C"), "id"',
            concurrently=True,
        ),
        postgres_index(
            "registry_member",
            "member_name_initials_c",
            '("name_initials" COLLATE "C"), "id"',
            concurrently=True,
        ),
    ]
