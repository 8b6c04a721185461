"""National defaults of the coverage decisions (regions/data/policy_defaults.json)."""

from django.db import migrations

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_temporary_grants"), ("regions", "0002_policy_defaults")]

    operations = [load_policy_defaults("status_confirmed_at_county", "dibao_gradual_exit_months")]
