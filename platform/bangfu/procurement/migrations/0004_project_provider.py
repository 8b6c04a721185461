import django.db.models.deletion
from django.db import migrations, models


def give_projects_providers(apps, schema_editor):
    """Every project becomes a provider needs can be referred to, under its own name and region;
    every delivery a referral's session recorded learns the referral (its case)."""
    Project = apps.get_model("procurement", "Project")
    Provider = apps.get_model("providers", "Provider")
    DeliveryRecord = apps.get_model("procurement", "DeliveryRecord")
    ServiceSession = apps.get_model("referrals", "ServiceSession")
    for project in Project.objects.filter(provider=None).order_by("pk"):
        project.provider = Provider.objects.create(
            kind="project", name=project.name, region_id=project.region_id
        )
        project.save(update_fields=["provider"])
    cases = dict(
        ServiceSession.objects.filter(delivery__isnull=False).values_list(
            "delivery_id", "referral_id"
        )
    )
    deliveries = list(DeliveryRecord.objects.filter(pk__in=cases))
    for delivery in deliveries:
        delivery.case = cases[delivery.pk]
    DeliveryRecord.objects.bulk_update(deliveries, ["case"], batch_size=500)


def take_providers_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Columns with foreign keys are dropped next in this transaction: check these rows'
        # keys now, so no check is left pending when the columns go.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Project = apps.get_model("procurement", "Project")
    Provider = apps.get_model("providers", "Provider")
    pks = list(Project.objects.exclude(provider=None).values_list("provider_id", flat=True))
    Project.objects.update(provider=None)
    Provider.objects.filter(pk__in=pks).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0003_agency_registration'),
        ('providers', '0004_provider'),
        ('referrals', '0004_intake_description_encrypted'),
    ]

    operations = [
        migrations.AddField(
            model_name='deliveryrecord',
            name='case',
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True, verbose_name='referral'),
        ),
        migrations.AddField(
            model_name='project',
            name='provider',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='project', to='providers.provider', verbose_name='provider'),
        ),
        migrations.RunPython(give_projects_providers, take_providers_back),
    ]
