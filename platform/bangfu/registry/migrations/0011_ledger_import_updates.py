from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_coverage_policy_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerimport",
            name="households_updated",
            field=models.PositiveIntegerField(default=0, verbose_name="households updated"),
        ),
        migrations.AddField(
            model_name="ledgerimport",
            name="members_updated",
            field=models.PositiveIntegerField(default=0, verbose_name="members updated"),
        ),
        migrations.AddField(
            model_name="ledgerimport",
            name="decisions_recorded",
            field=models.PositiveIntegerField(default=0, verbose_name="decisions recorded"),
        ),
    ]
