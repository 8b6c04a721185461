from django.db import migrations

from bangfu.core.migration_ops import postgres_index


class Migration(migrations.Migration):
    dependencies = [("discovery", "0007_calculator_policy_defaults")]

    operations = [
        # The warnings' list order (selectors.ranked), for its pages by key.
        postgres_index(
            "discovery_flag",
            "flag_ranking",
            '"risk_score" DESC NULLS LAST, "rule_weight" DESC, "fired_on" DESC, "id"',
        ),
    ]
