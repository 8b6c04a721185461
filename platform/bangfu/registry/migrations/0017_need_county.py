"""The need's county, its household's (``Need.county``): the county's intake desk reads its open
needs from an index that begins with it (``referrals.0014_need_county_desk_order``)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from bangfu.core.migration_ops import keys_checked_now


def counties_filled(apps, schema_editor):
    Household = apps.get_model("registry", "Household")
    Need = apps.get_model("registry", "Need")
    Need.objects.update(
        county=Subquery(Household.objects.filter(pk=OuterRef("household")).values("county"))
    )
    # The column is made NOT NULL next, in this transaction.
    keys_checked_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0005_region_changes"),
        ("registry", "0016_region_tally_rollups"),
    ]

    operations = [
        migrations.AddField(
            model_name="need",
            name="county",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
                verbose_name="county",
            ),
        ),
        migrations.RunPython(counties_filled, migrations.RunPython.noop, elidable=False),
        # On SQLite this rebuilds the table, without the desk's index of open needs
        # (``referrals.0012_desk_indexes``, kept out of the models' state): ``referrals.0014``
        # builds it again.
        migrations.AlterField(
            model_name="need",
            name="county",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
                verbose_name="county",
            ),
        ),
    ]
