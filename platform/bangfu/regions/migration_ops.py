"""The migration operation that loads national policy defaults from ``data/policy_defaults.json``
for the parameters an app adds (``load_policy_defaults("key", …)``)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent / "data" / "policy_defaults.json"


def load_policy_defaults(*keys: str) -> migrations.RunPython:
    """Set the national default of each key (region None, the file's year); reversed, remove it."""

    def load(apps, schema_editor):
        PolicyValue = apps.get_model("regions", "PolicyValue")
        defaults = json.loads(DATA.read_text(encoding="utf-8"))
        for key in keys:
            entry = defaults["values"][key]
            PolicyValue.objects.update_or_create(
                key=key,
                region=None,
                year=defaults["year"],
                defaults={"value": entry["value"], "source": entry["source"]},
            )

    def unload(apps, schema_editor):
        apps.get_model("regions", "PolicyValue").objects.filter(key__in=keys, region=None).delete()

    return migrations.RunPython(load, unload)
