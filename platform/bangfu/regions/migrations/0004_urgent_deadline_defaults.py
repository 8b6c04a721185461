"""National defaults of the referral deadlines by urgency (regions/data/policy_defaults.json).

Loaded here rather than in a referrals migration, like 0003 for the registry's limits: a data
migration of the regions' own table, on no other app's schema.
"""

from django.db import migrations

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    dependencies = [("regions", "0003_data_protection_defaults")]
    operations = [
        load_policy_defaults(
            "referral_accept_days_urgent",
            "referral_accept_hours_emergency",
            "referral_first_service_hours_emergency",
            "referral_reroute_after_hours_emergency",
        )
    ]
