import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import bangfu.core.fields
import bangfu.core.phones
from bangfu.core.migration_ops import keys_checked_now


def cases_know_their_household(apps, schema_editor):
    """A case opened on a need is the need's household's case."""
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    Need = apps.get_model("registry", "Need")
    IntakeCase.objects.filter(need__isnull=False, household__isnull=True).update(
        household_id=Subquery(Need.objects.filter(pk=OuterRef("need_id")).values("household_id"))
    )
    keys_checked_now(schema_editor)


class Migration(migrations.Migration):
    """The desk takes in a person: a walk-in caller, found in the registry or recorded by name,
    phone and place; a case knows its household before it has a need; a referral carries a note
    to the provider."""

    dependencies = [
        ("referrals", "0007_filing_notices"),
        ("registry", "0006_languages_and_preferred_times"),
    ]

    operations = [
        migrations.AlterField(
            model_name="intakecase",
            name="source",
            field=models.CharField(
                choices=[
                    ("visit", "home visit"),
                    ("public_form", "public help form"),
                    ("hotline", "hotline 12349"),
                    ("walk_in", "walk-in (窗口来访)"),
                ],
                max_length=16,
                verbose_name="source",
            ),
        ),
        migrations.AddField(
            model_name="intakecase",
            name="household",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="intake_cases",
                to="registry.household",
                verbose_name="household",
            ),
        ),
        migrations.AddField(
            model_name="intakecase",
            name="caller_name",
            field=bangfu.core.fields.EncryptedTextField(
                blank=True, max_length=50, verbose_name="caller's name"
            ),
        ),
        migrations.AddField(
            model_name="intakecase",
            name="caller_phone",
            field=bangfu.core.fields.EncryptedTextField(
                blank=True, max_length=20, verbose_name="caller's phone"
            ),
        ),
        migrations.AddField(
            model_name="intakecase",
            name="caller_phone_hash",
            field=bangfu.core.fields.LookupHashField(
                db_index=True, digest=bangfu.core.phones.phone_lookup_hash, source="caller_phone"
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="note_to_provider",
            field=models.TextField(
                blank=True,
                help_text=(
                    "What the desk wants the provider to know: how to reach the household, "
                    "what to bring."
                ),
                verbose_name="note to the provider",
            ),
        ),
        migrations.RunPython(cases_know_their_household, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="intakecase",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("need__isnull", True), ("household__isnull", False), _connector="OR"
                ),
                name="intake_need_has_household",
            ),
        ),
    ]
