"""The rules of the documents (issue 15): new departments' files, the 单人纳保 and 错保 rules,
their weights and the new parameter's default.

Every stored ``discovery_rule_weights`` (the national default and any region's own) gains the
weights of the new rules, so a region that set its own keeps them and scans on: a weights value
must name every rule the scan runs.
"""

from django.db import migrations, models

YEAR = 2016
NEW_WEIGHTS = {
    # 003: 「参照单人户纳入最低生活保障范围」 — a person left out of 低保 in a poor household.
    "single_dibao_candidate": 75,
    # 错保: a status paid where it may not be due; checked after those left out.
    "wrongly_covered": 40,
}
DEFAULTS = {
    "discovery_property_limit": (
        1,
        "Bangfu default (001: 「不动产登记」 among the records to check; the seeds set no "
        "figure): a covered household's home of its own is no warning, a second property is",
    ),
}
OLD_DISABILITY_SOURCE = (
    "Bangfu default: a disability certificate issued in the last 180 days is a new registration"
)
NEW_DISABILITY_SOURCE = (
    "Bangfu default (002: 「2021年以来新增的重度残疾人」): a certificate issued in the last 180 "
    "days is new; the first file a region sends is swept whole (003: 「全面排查」)"
)

SOURCES = [
    ("medical", "medical insurance: out-of-pocket spending"),
    ("disability", "disabled persons' federation: disability registrations"),
    ("monitoring", "rural revitalisation: poverty-monitoring list"),
    ("custody", "justice: minors of prisoners or people in compulsory rehab"),
    ("tekun_list", "destitute (特困) list with birth dates"),
    ("education", "education: schooling costs paid by families (因学)"),
    ("rehabilitation", "disabled persons' federation: rehabilitation and care costs (因残)"),
    ("deaths", "public security and health: death registrations (死亡)"),
    ("vehicles", "public security traffic police: vehicle registrations (车辆)"),
    ("property", "natural resources: real-estate registrations (不动产)"),
    ("business", "market regulation: business registrations (工商登记)"),
    ("public_payroll", "finance: people paid from public funds (财政供养/公职人员)"),
]
RULES = [
    ("medical_out_of_pocket", "medical out-of-pocket spending over the threshold"),
    ("severe_disability_uncovered", "severe disability certificate of someone not in 低保 or 特困"),
    (
        "single_dibao_candidate",
        "seriously ill, disabled elderly or severely disabled member of a low-income household: "
        "a 单人纳保 candidate",
    ),
    ("tekun_minor_dropped", "destitute minor aged 16-18 dropped from the list"),
    ("dibao_review_due", "minimum-subsistence household due for review"),
    ("expenditure_hardship", "income just above the dibao standard, with heavy rigid spending"),
    ("monitoring_uncovered", "on the poverty-monitoring list, not covered by any tier"),
    (
        "custody_minor",
        "minor child of a prisoner or a person in compulsory rehab, not protected",
    ),
    ("wrongly_covered", "a department's record says someone covered may not qualify (错保)"),
    (
        "duplicate_registration",
        "a person registered in one area was being registered in another (重复享受)",
    ),
    ("identity_probing", "many ID or registry numbers refused to one user in a day"),
]


def load(apps, schema_editor):
    PolicyValue = apps.get_model("regions", "PolicyValue")
    for row in PolicyValue.objects.filter(key="discovery_rule_weights"):
        row.value = {**NEW_WEIGHTS, **row.value}
        row.save(update_fields=["value"])
    for key, (value, source) in DEFAULTS.items():
        PolicyValue.objects.update_or_create(
            key=key, region=None, year=YEAR, defaults={"value": value, "source": source}
        )
    PolicyValue.objects.filter(
        key="discovery_new_disability_days", region=None, source=OLD_DISABILITY_SOURCE
    ).update(source=NEW_DISABILITY_SOURCE)


def unload(apps, schema_editor):
    PolicyValue = apps.get_model("regions", "PolicyValue")
    for row in PolicyValue.objects.filter(key="discovery_rule_weights"):
        row.value = {name: w for name, w in row.value.items() if name not in NEW_WEIGHTS}
        row.save(update_fields=["value"])
    PolicyValue.objects.filter(key__in=list(DEFAULTS), region=None).delete()
    PolicyValue.objects.filter(
        key="discovery_new_disability_days", region=None, source=NEW_DISABILITY_SOURCE
    ).update(source=OLD_DISABILITY_SOURCE)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0005_tasks_recommend"),
        ("regions", "0002_policy_defaults"),
    ]
    operations = [
        migrations.AlterField(
            model_name="crosscheckimport",
            name="source",
            field=models.CharField(choices=SOURCES, max_length=16, verbose_name="source"),
        ),
        migrations.AlterField(
            model_name="sourcerecord",
            name="source",
            field=models.CharField(choices=SOURCES, max_length=16, verbose_name="source"),
        ),
        migrations.AlterField(
            model_name="flag",
            name="rule",
            field=models.CharField(choices=RULES, max_length=32, verbose_name="rule"),
        ),
        migrations.RunPython(load, unload),
    ]
