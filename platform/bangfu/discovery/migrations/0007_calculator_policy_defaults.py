"""National defaults of the standards calculator per person (discovery.standards).

``dibao_standard_rural_monthly`` has none on purpose: where a region sets no rural standard, the
urban one applies to both (002: 「全城乡低保标准均按当地最低工资标准的42%~48%确定」).
"""

from django.db import migrations

YEAR = 2016
DEFAULTS = {
    "dibao_urban_rural_ratio_target_pct": (
        "130",
        "001 (Anshan): 「到“十四五”末,全市城乡低保平均标准之比达到1.3:1以内」",
    ),
    "dibao_asset_limit_multiple": (
        24,
        "Bangfu default (000: 「將特困人員和低保邊緣家庭人均金融資產標準確定為當地"
        "低保標準?倍以內」, the figure is lost in the seed): 24 times the monthly "
        "standard per person, two years of it; set the local figure",
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
    dependencies = [
        ("discovery", "0006_rules_of_the_documents"),
        ("regions", "0002_policy_defaults"),
    ]
    operations = [migrations.RunPython(load, unload)]
