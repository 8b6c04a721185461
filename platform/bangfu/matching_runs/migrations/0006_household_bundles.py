from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("matching_runs", "0005_fairness"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchingrun",
            name="floor_proven",
            field=models.BooleanField(blank=True, null=True, verbose_name="floor proven optimal"),
        ),
        migrations.AddField(
            model_name="matchingrun",
            name="floor_upper",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="most protected needs servable (upper bound)"
            ),
        ),
        migrations.AddField(
            model_name="matchingrun",
            name="household_bundles",
            field=models.BooleanField(
                default=False, verbose_name="one chain of help per household (一户一条救助链)"
            ),
        ),
        migrations.AddField(
            model_name="matchingrun",
            name="bundles",
            field=models.JSONField(blank=True, default=dict, verbose_name="household bundles"),
        ),
    ]
