from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("matching_runs", "0004_proposals_name_providers"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchingrun",
            name="fairness",
            field=models.JSONField(blank=True, default=dict, verbose_name="fairness by township"),
        ),
        migrations.AddField(
            model_name="allocation",
            name="components",
            field=models.JSONField(blank=True, default=dict, verbose_name="score components"),
        ),
        migrations.AddField(
            model_name="allocation",
            name="distance_km",
            field=models.FloatField(blank=True, null=True, verbose_name="distance (km)"),
        ),
    ]
