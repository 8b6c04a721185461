"""The member's county, its household's (``Member.county``): a county's search reads its people
by name, pinyin or initials from indexes that begin with it (``registry.search``)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from bangfu.core.migration_ops import keys_checked_now, postgres_index


def counties_filled(apps, schema_editor):
    Household = apps.get_model("registry", "Household")
    Member = apps.get_model("registry", "Member")
    Member.objects.update(
        county=Subquery(Household.objects.filter(pk=OuterRef("household")).values("county"))
    )
    # The column is made NOT NULL next, in this transaction.
    keys_checked_now(schema_editor)


def county_field(**null):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        editable=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="regions.region",
        verbose_name="county",
        **null,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0005_region_changes"),
        ("registry", "0017_need_county"),
    ]

    operations = [
        migrations.AddField(model_name="member", name="county", field=county_field(null=True)),
        migrations.RunPython(counties_filled, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="member", name="county", field=county_field()),
        # A search's prefixes in their byte order (as ``0015_member_name_byte_order``), within
        # one county.
        postgres_index(
            "registry_member", "member_county_name_c", '"county_id", ("name" COLLATE "C"), "id"'
        ),
        postgres_index(
            "registry_member",
            "member_county_pinyin_c",
            '"county_id", ("name_pinyin" COLLATE "C"), "id"',
        ),
        postgres_index(
            "registry_member",
            "member_county_initials_c",
            '"county_id", ("name_initials" COLLATE "C"), "id"',
        ),
    ]
