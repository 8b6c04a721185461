"""Each referral names its provider: the Provider row of the station, volunteer or project it
was sent to (stations and volunteers have theirs since providers 0005, projects since
procurement 0004)."""

import django.db.models.deletion
from django.db import migrations, models


def provider_of_each_referral(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    # The kind's own row knows its provider.
    for kind in ("station", "volunteer", "project"):
        rows = Referral.objects.filter(**{f"{kind}__isnull": False}).values_list(
            "pk", f"{kind}__provider_id"
        )
        updates = [Referral(pk=pk, provider_id=provider) for pk, provider in rows]
        Referral.objects.bulk_update(updates, ["provider"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_intake_description_encrypted"),
        ("providers", "0005_providers_for_stations_and_volunteers"),
        ("procurement", "0004_project_provider"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="provider",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="providers.provider",
                verbose_name="provider",
            ),
        ),
        migrations.RunPython(provider_of_each_referral, migrations.RunPython.noop),
    ]
