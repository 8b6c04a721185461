"""National defaults of the referral deadlines (regions/data/policy_defaults.json)."""

import json
from pathlib import Path

from django.db import migrations

import bangfu.regions

DATA = Path(bangfu.regions.__file__).resolve().parent / "data" / "policy_defaults.json"
KEYS = (
    "referral_accept_days",
    "referral_first_service_days",
    "referral_first_service_days_urgent",
    "referral_reroute_after_days",
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
    dependencies = [("referrals", "0001_initial"), ("regions", "0002_policy_defaults")]
    operations = [migrations.RunPython(load, unload)]
