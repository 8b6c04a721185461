"""临时救助 is no longer a household tier (registry 0008 turns those households' tier into
"none"): an offer meant for the "temporary" tier is meant for those same households, now "none"."""

from django.db import migrations


def drop_temporary(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    for offer in Offer.objects.only("pk", "tiers").iterator():
        if "temporary" in (offer.tiers or []):
            renamed = ["none" if tier == "temporary" else tier for tier in offer.tiers]
            offer.tiers = list(dict.fromkeys(renamed))
            offer.save(update_fields=["tiers"])


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0002_lifecycle_events"),
        ("registry", "0008_coverage_and_decisions"),
    ]

    operations = [migrations.RunPython(drop_temporary, migrations.RunPython.noop)]
