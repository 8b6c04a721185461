"""The member's county, its household's (``Member.county``): a county's search reads its people
by name, pinyin or initials from indexes that begin with it (``registry.search``). Filled a batch
of members at a time (``filled_then_required``), then indexed."""

from importlib import import_module

from django.db import migrations

from bangfu.core.migration_ops import AddedOnce, filled_then_required, postgres_index

# The need's county is the same column, filled the same way.
need_county = import_module("bangfu.registry.migrations.0017_need_county")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("regions", "0005_region_changes"),
        ("registry", "0017_need_county"),
    ]

    operations = [
        AddedOnce(model_name="member", name="county", field=need_county.county_field(null=True)),
        *filled_then_required(
            "registry",
            "Member",
            need_county.household_county,
            "county",
            need_county.county_field(),
        ),
        # A search's prefixes in their byte order (as ``0015_member_name_byte_order``), within
        # one county, built without blocking writes.
        postgres_index(
            "registry_member",
            "member_county_name_c",
            '"county_id", ("name" COLLATE "C"), "id"',
            concurrently=True,
        ),
        postgres_index(
            "registry_member",
            "member_county_pinyin_c",
            '"county_id", ("name_pinyin" COLLATE "C"), "id"',
            concurrently=True,
        ),
        postgres_index(
            "registry_member",
            "member_county_initials_c",
            '"county_id", ("name_initials" COLLATE "C"), "id"',
            concurrently=True,
        ),
    ]
