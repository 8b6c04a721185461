import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every project has its provider since 0004: a new one gets it with the project."""

    dependencies = [
        ('procurement', '0004_project_provider'),
    ]

    operations = [
        migrations.AlterField(
            model_name='project',
            name='provider',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='project', to='providers.provider', verbose_name='provider'),
        ),
    ]
