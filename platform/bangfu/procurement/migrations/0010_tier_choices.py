"""临时救助 is no longer a household tier (registry 0008 turns those households' tier into
"none"): a scheme that gave priority to the "temporary" tier gives it to those same households."""

from django.db import migrations


def drop_temporary(apps, schema_editor):
    EvaluationScheme = apps.get_model("procurement", "EvaluationScheme")
    for scheme in EvaluationScheme.objects.only("pk", "priority_tiers").iterator():
        if "temporary" in (scheme.priority_tiers or []):
            renamed = ["none" if tier == "temporary" else tier for tier in scheme.priority_tiers]
            scheme.priority_tiers = list(dict.fromkeys(renamed))
            scheme.save(update_fields=["priority_tiers"])


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0009_fiscal_caps"),
        ("registry", "0008_coverage_and_decisions"),
    ]

    operations = [migrations.RunPython(drop_temporary, migrations.RunPython.noop)]
