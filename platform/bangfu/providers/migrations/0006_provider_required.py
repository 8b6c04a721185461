"""Every station and volunteer has its provider since 0005, which now holds whether it takes
referrals and its rating."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('providers', '0005_providers_for_stations_and_volunteers'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='station',
            name='is_accepting',
        ),
        migrations.RemoveField(
            model_name='station',
            name='quality_rating',
        ),
        migrations.RemoveField(
            model_name='station',
            name='rated_outcomes',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='is_available',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='quality_rating',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='rated_outcomes',
        ),
        migrations.AlterField(
            model_name='station',
            name='provider',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='station', to='providers.provider', verbose_name='provider'),
        ),
        migrations.AlterField(
            model_name='volunteer',
            name='provider',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='volunteer', to='providers.provider', verbose_name='provider'),
        ),
    ]
