import bangfu.core.fields
from django.db import migrations

from bangfu.core.migration_ops import encrypt_column


class Migration(migrations.Migration):
    """An intake case's description (a caller's name, phone number and situation) is encrypted."""

    dependencies = [
        ('referrals', '0003_project_referrals'),
    ]

    operations = [
        migrations.AlterField(
            model_name='intakecase',
            name='description',
            field=bangfu.core.fields.EncryptedTextField(blank=True, verbose_name='description'),
        ),
        encrypt_column('referrals', 'intakecase', 'description'),
    ]
