"""National default of the failed-referral window (regions/data/policy_defaults.json)."""

from django.db import migrations

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    dependencies = [("referrals", "0009_help_requests"), ("regions", "0002_policy_defaults")]
    operations = [load_policy_defaults("referral_failed_retry_days")]
