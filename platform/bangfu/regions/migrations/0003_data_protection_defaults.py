"""National defaults of the data-protection and import limits (regions/data/policy_defaults.json)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "policy_defaults.json"
KEYS = (
    "identity_refusals_alert_per_day",
    "unmasked_exports_per_day",
    "import_max_rows",
    "import_max_megabytes",
    "background_rows",
)


def load(apps, schema_editor):
    PolicyValue = apps.get_model("regions", "PolicyValue")
    defaults = json.loads(DATA.read_text(encoding="utf-8"))
    for key in KEYS:
        entry = defaults["values"][key]
        PolicyValue.objects.update_or_create(
            key=key,
            region=None,
            year=defaults["year"],
            defaults={"value": entry["value"], "source": entry["source"]},
        )


def unload(apps, schema_editor):
    apps.get_model("regions", "PolicyValue").objects.filter(key__in=KEYS, region=None).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0002_policy_defaults")]
    operations = [migrations.RunPython(load, unload)]
