import bangfu.core.fields
import bangfu.core.phones
from django.db import migrations

from bangfu.core.migration_ops import encrypt_column


class Migration(migrations.Migration):
    """Household phones are encrypted at rest, with a keyed hash of the number for searches."""

    dependencies = [
        ('registry', '0004_file_import_base'),
    ]

    operations = [
        migrations.AlterField(
            model_name='household',
            name='phone',
            field=bangfu.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='contact phone'),
        ),
        migrations.AddField(
            model_name='household',
            name='phone_hash',
            field=bangfu.core.fields.LookupHashField(db_index=True, digest=bangfu.core.phones.phone_lookup_hash, source='phone'),
        ),
        encrypt_column('registry', 'household', 'phone'),
    ]
