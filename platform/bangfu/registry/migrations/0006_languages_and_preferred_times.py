from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_household_phone_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="languages",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Those the household speaks, e.g. 普通话, 哈尼语: volunteers are proposed "
                    "only if they speak one of them. Empty: no constraint."
                ),
                verbose_name="languages and dialects",
            ),
        ),
        migrations.AlterField(
            model_name="need",
            name="preferred_times",
            field=models.CharField(
                blank=True,
                help_text=(
                    "In the household's words, e.g. 工作日上午, 周末, 周三下午. Days (周一 … 周日, "
                    "工作日, 周末) and parts of the day (上午, 下午, 晚上) named here limit the "
                    "volunteers proposed to those free then."
                ),
                max_length=100,
                verbose_name="preferred times",
            ),
        ),
    ]
