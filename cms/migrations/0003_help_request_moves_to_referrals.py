from django.db import migrations

# The receipt's fields, same meaning on both sides: (cms field, referrals field).
FIELDS = (
    ("code", "code"),
    ("phone_hash", "phone_hash"),
    ("township_id", "township_id"),
    ("intake_id", "intake_id"),
    ("consented_at", "consented_at"),
    ("created_at", "submitted_at"),
)


def to_referrals(apps, schema_editor):
    """Each receipt becomes the desk's help request, not yet acknowledged (nobody did: the site
    only claimed it), and its case is no longer credited to the member of staff it was opened
    for."""
    Old = apps.get_model("cms", "HelpRequest")
    New = apps.get_model("referrals", "HelpRequest")
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    rows = list(Old.objects.values(*(old for old, _new in FIELDS)))
    New.objects.bulk_create(
        [New(**{new: row[old] for old, new in FIELDS}) for row in rows], batch_size=500
    )
    IntakeCase.objects.filter(pk__in=[row["intake_id"] for row in rows]).update(opened_by=None)


def to_cms(apps, schema_editor):
    """Back: the receipts return to the site and each case to the township's first desk user
    (the opener the old code gave it); what the desk recorded since is dropped."""
    Old = apps.get_model("cms", "HelpRequest")
    New = apps.get_model("referrals", "HelpRequest")
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    Membership = apps.get_model("accounts", "Membership")
    rows = list(New.objects.values(*(new for _old, new in FIELDS)))
    Old.objects.bulk_create(
        [Old(**{old: row[new] for old, new in FIELDS}) for row in rows], batch_size=500
    )
    for intake in IntakeCase.objects.filter(opened_by=None).select_related("region"):
        paths = [
            intake.region.path[: index + 1]
            for index, char in enumerate(intake.region.path)
            if char == "/"
        ]
        desk = (
            Membership.objects.filter(
                role__in=["bureau_staff", "bureau_manager"],
                is_active=True,
                organisation__region__path__in=paths,
            )
            .order_by("-organisation__region__level", "pk")
            .values_list("user_id", flat=True)
            .first()
        )
        intake.opened_by_id = desk
        intake.save(update_fields=["opened_by"])
    New.objects.all().delete()


class Migration(migrations.Migration):
    """The receipt of a public help request moves to referrals, where the desk triages it: the
    site keeps no model of its own for it and only calls ``referrals.public_intake``."""

    dependencies = [
        ("cms", "0002_create_site"),
        ("referrals", "0009_help_requests"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_referrals, to_cms),
        migrations.DeleteModel(name="HelpRequest"),
    ]
