"""National defaults of the data-protection and import limits (regions/data/policy_defaults.json)."""

from django.db import migrations

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    dependencies = [("regions", "0002_policy_defaults")]
    operations = [
        load_policy_defaults(
            "identity_refusals_alert_per_day",
            "unmasked_exports_per_day",
            "import_max_rows",
            "import_max_megabytes",
            "background_rows",
        )
    ]
