from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("matching_runs", "0006_household_bundles"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchingrun",
            name="exclusions",
            field=models.JSONField(
                blank=True, default=list, verbose_name="providers left out of needs"
            ),
        ),
    ]
