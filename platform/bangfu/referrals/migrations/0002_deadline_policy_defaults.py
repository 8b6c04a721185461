"""National defaults of the referral deadlines (regions/data/policy_defaults.json)."""

from django.db import migrations

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("regions", "0002_policy_defaults")]
    operations = [
        load_policy_defaults(
            "referral_accept_days",
            "referral_first_service_days",
            "referral_first_service_days_urgent",
            "referral_reroute_after_days",
        )
    ]
