from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_township_reviewer"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("bureau_staff", "bureau staff"),
                    ("bureau_manager", "bureau manager"),
                    ("station_staff", "station staff"),
                    ("agency_staff", "service agency staff"),
                    ("assistant", "social-assistance assistant"),
                    ("volunteer", "volunteer"),
                    ("charity_staff", "charity staff"),
                    ("auditor", "auditor"),
                    ("township_reviewer", "township reviewer"),
                    ("system_admin", "system administrator"),
                    ("security_admin", "security administrator"),
                    ("audit_admin", "audit administrator"),
                ],
                max_length=20,
                verbose_name="role",
            ),
        ),
    ]
