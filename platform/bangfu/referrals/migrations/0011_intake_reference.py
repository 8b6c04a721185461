from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0010_failed_retry_policy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="intakecase",
            name="reference",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="reference in the other system"
            ),
        ),
        migrations.AddConstraint(
            model_name="intakecase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reference", ""), _negated=True),
                fields=("opened_by", "reference"),
                name="intake_one_case_per_reference",
            ),
        ),
    ]
