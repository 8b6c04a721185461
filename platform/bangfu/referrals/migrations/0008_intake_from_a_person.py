import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import bangfu.core.fields
import bangfu.core.phones
from bangfu.core.migration_ops import keys_checked_now

# How the help form wrote the caller into a case's description before cases had fields for them,
# in the site's language (Chinese) or, untranslated, in English: the title with the request's
# code, a line with the name, one with the phone, then a blank line and the visitor's story.
OLD_HEADERS = (
    ("在线求助 ", "姓名：", "电话："),
    ("Online help request ", "Name: ", "Phone: "),
)
BATCH_SIZE = 500


def callers_out_of_descriptions(apps, schema_editor):
    """A case the help form opened before cases had caller fields holds the caller's name and
    phone in its description: they move to those fields (encrypted, the phone hashed so the
    registry's household with it is offered, SMS sent to it, both masked to roles that may not
    reveal them), and the description keeps its title and the story."""
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    digest = IntakeCase._meta.get_field("caller_phone_hash").digest
    cases = IntakeCase.objects.filter(source="public_form", caller_name="", caller_phone="")
    for batch in _batches(cases.only("pk", "description")):
        moved = []
        for case in batch:
            lines = case.description.split("\n", 3)
            header = next((h for h in OLD_HEADERS if _in_layout(lines, h)), None)
            if header is None:
                continue
            title, name, phone, story = lines
            case.caller_name = name.removeprefix(header[1]).strip()
            case.caller_phone = phone.removeprefix(header[2]).strip()
            case.caller_phone_hash = digest(case.caller_phone) if case.caller_phone else ""
            case.description = f"{title}\n{story}"
            moved.append(case)
        _save_callers(IntakeCase, moved)


def callers_back_into_descriptions(apps, schema_editor):
    """Reversed: the name and phone lines go back under the title, in the title's language."""
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    cases = IntakeCase.objects.filter(source="public_form").exclude(caller_name="", caller_phone="")
    for batch in _batches(cases.only("pk", "description", "caller_name", "caller_phone")):
        moved = []
        for case in batch:
            title, _newline, story = case.description.partition("\n")
            header = next((h for h in OLD_HEADERS if title.startswith(h[0])), None)
            if header is None:
                continue
            case.description = (
                f"{title}\n{header[1]}{case.caller_name}\n{header[2]}{case.caller_phone}\n{story}"
            )
            case.caller_name = case.caller_phone = case.caller_phone_hash = ""
            moved.append(case)
        _save_callers(IntakeCase, moved)


def _in_layout(lines: list[str], header: tuple[str, str, str]) -> bool:
    return len(lines) == 4 and all(
        line.startswith(part) for line, part in zip(lines[:3], header, strict=True)
    )


def _batches(cases):
    """The cases in lists of ``BATCH_SIZE``, by primary key: each list is read before it is
    written, so rows leaving the filter do not disturb the reading."""
    last = 0
    while batch := list(cases.filter(pk__gt=last).order_by("pk")[:BATCH_SIZE]):
        yield batch
        last = batch[-1].pk


def _save_callers(IntakeCase, cases) -> None:
    # bulk_update skips the hash field's pre_save: it is set above with the field's own digest.
    IntakeCase.objects.bulk_update(
        cases, ["caller_name", "caller_phone", "caller_phone_hash", "description"]
    )


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
        migrations.RunPython(callers_out_of_descriptions, callers_back_into_descriptions),
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
