import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "policy_defaults.json"


def load(apps, schema_editor):
    PolicyValue = apps.get_model("regions", "PolicyValue")
    defaults = json.loads(DATA.read_text(encoding="utf-8"))
    for key, entry in defaults["values"].items():
        PolicyValue.objects.update_or_create(
            key=key,
            region=None,
            year=defaults["year"],
            defaults={"value": entry["value"], "source": entry["source"]},
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
