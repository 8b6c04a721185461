"""National defaults of the parameters of finding people (政策找人).

The values live here, not in regions/data/policy_defaults.json (which lists them too, for the
record): the regions app's migration must not change when an app adds its parameters.
"""

from django.db import migrations

YEAR = 2016
DEFAULTS = {
    "discovery_rule_weights": (
        {
            "tekun_minor_dropped": 90,
            "custody_minor": 85,
            "severe_disability_uncovered": 80,
            "expenditure_hardship": 70,
            "medical_out_of_pocket": 60,
            "monitoring_uncovered": 50,
            "dibao_review_due": 30,
        },
        "Bangfu default (DOMAIN, 政策找人): children and the severely disabled first; a weight "
        "of 0 switches a rule off",
    ),
    "discovery_new_disability_days": (
        180,
        "Bangfu default: a disability certificate issued in the last 180 days is a new "
        "registration",
    ),
    "discovery_expenditure_band_pct": (
        "50",
        "Bangfu default: up to 150% of the dibao standard, the usual ceiling of marginal "
        "(低保边缘) households",
    ),
    "discovery_rigid_spending_pct": (
        "40",
        "Bangfu default (支出型): medical spending of 40% of the household's income or more is "
        "heavy",
    ),
    "discovery_review_notice_days": (
        30,
        "Bangfu default: put a review on the worklist 30 days before it falls due",
    ),
    "discovery_verification_days": (
        15,
        "Bangfu default: an assistant verifies a warning (摸排核实) within 15 days",
    ),
}


def load(apps, schema_editor):
    PolicyValue = apps.get_model("regions", "PolicyValue")
    for key, (value, source) in DEFAULTS.items():
        PolicyValue.objects.update_or_create(
            key=key, region=None, year=YEAR, defaults={"value": value, "source": source}
        )


def unload(apps, schema_editor):
    apps.get_model("regions", "PolicyValue").objects.filter(
        key__in=list(DEFAULTS), region=None
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_initial"), ("regions", "0002_policy_defaults")]
    operations = [migrations.RunPython(load, unload)]
