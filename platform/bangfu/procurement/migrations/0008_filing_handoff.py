import datetime as dt
from zoneinfo import ZoneInfo

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import bangfu.core.models
import bangfu.procurement.models.filings
from bangfu.core.migration_ops import keys_checked_now


def recorded_filings_acknowledged(apps, schema_editor):
    """A filing recorded before the hand-off was one the county had from the bureau above with
    its reference: it becomes an acknowledged filing, sent and answered on the day recorded."""
    Filing = apps.get_model("procurement", "Filing")
    FilingEvent = apps.get_model("procurement", "FilingEvent")
    zone = ZoneInfo(settings.TIME_ZONE)
    for filing in Filing.objects.select_related("project").order_by("pk"):
        answered_at = dt.datetime.combine(filing.filed_on, dt.time(12), tzinfo=zone)
        filing.status = "acknowledged"
        filing.sent_by_id = filing.recorded_by_id
        filing.sent_at = filing.recorded_at
        filing.answered_at = answered_at
        filing.figures = {"amount": str(filing.project.amount)}
        filing.save()
        FilingEvent.objects.create(
            filing=filing,
            from_status="",
            to_status="acknowledged",
            by_id=filing.recorded_by_id,
            at=answered_at,
        )
    keys_checked_now(schema_editor)


def acknowledged_filings_recorded(apps, schema_editor):
    """Back to recorded filings: only acknowledged ones were filings then; the others go."""
    Filing = apps.get_model("procurement", "Filing")
    Filing.objects.exclude(status="acknowledged").delete()
    zone = ZoneInfo(settings.TIME_ZONE)
    for filing in Filing.objects.order_by("pk"):
        filing.filed_on = (filing.answered_at or filing.sent_at).astimezone(zone).date()
        filing.recorded_by_id = filing.sent_by_id
        filing.recorded_at = filing.sent_at
        filing.save()
    keys_checked_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0007_project_notice"),
        ("regions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="filing",
            name="status",
            field=models.CharField(
                choices=[
                    ("sent", "sent"),
                    ("returned", "returned"),
                    ("acknowledged", "acknowledged (已备案)"),
                ],
                default="sent",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="filing",
            name="sent_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="sent by",
            ),
        ),
        migrations.AddField(
            model_name="filing",
            name="sent_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent at"),
        ),
        migrations.AddField(
            model_name="filing",
            name="figures",
            field=models.JSONField(blank=True, default=dict, verbose_name="figures when sent"),
        ),
        migrations.AddField(
            model_name="filing",
            name="answered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="answered by",
            ),
        ),
        migrations.AddField(
            model_name="filing",
            name="answered_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="answered at"),
        ),
        migrations.AddField(
            model_name="filing",
            name="reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason for return"),
        ),
        migrations.AlterField(
            model_name="filing",
            name="reference",
            field=models.CharField(
                blank=True, max_length=60, verbose_name="filing reference (备案号)"
            ),
        ),
        migrations.AlterField(
            model_name="filing",
            name="filed_with",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="filings_received",
                to="regions.region",
                verbose_name="filed with (region above)",
            ),
        ),
        migrations.CreateModel(
            name="FilingEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="at"),
                ),
                (
                    "reason",
                    models.CharField(blank=True, max_length=200, verbose_name="reason"),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "from_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("sent", "sent"),
                            ("returned", "returned"),
                            ("acknowledged", "acknowledged (已备案)"),
                        ],
                        max_length=24,
                        verbose_name="from",
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("sent", "sent"),
                            ("returned", "returned"),
                            ("acknowledged", "acknowledged (已备案)"),
                        ],
                        max_length=24,
                        verbose_name="to",
                    ),
                ),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "filing",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="procurement.filing",
                        verbose_name="filing",
                    ),
                ),
            ],
            options={
                "verbose_name": "filing step",
                "verbose_name_plural": "filing steps",
                "ordering": ["at", "pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="FilingDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        storage=bangfu.core.models.private_storage,
                        upload_to=bangfu.procurement.models.filings.document_path,
                        validators=[bangfu.procurement.models.filings.validate_pdf],
                        verbose_name="file",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="file name")),
                ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                (
                    "uploaded_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent at"),
                ),
                (
                    "filing",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="documents",
                        to="procurement.filing",
                        verbose_name="filing",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="sent by",
                    ),
                ),
            ],
            options={
                "verbose_name": "filing document",
                "verbose_name_plural": "filing documents",
                "ordering": ["uploaded_at", "pk"],
            },
        ),
        # Nullable while the filings change shape, so that going back can fill them again.
        migrations.AlterField(
            model_name="filing",
            name="filed_on",
            field=models.DateField(null=True, verbose_name="filed on"),
        ),
        migrations.AlterField(
            model_name="filing",
            name="recorded_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(recorded_filings_acknowledged, acknowledged_filings_recorded),
        migrations.AlterField(
            model_name="filing",
            name="sent_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="sent by",
            ),
        ),
        migrations.RemoveField(model_name="filing", name="filed_on"),
        migrations.RemoveField(model_name="filing", name="recorded_by"),
        migrations.RemoveField(model_name="filing", name="recorded_at"),
        migrations.AlterModelOptions(
            name="filing",
            options={
                "ordering": ["-sent_at", "-pk"],
                "verbose_name": "filing (备案)",
                "verbose_name_plural": "filings (备案)",
            },
        ),
        migrations.AddIndex(
            model_name="filing",
            index=models.Index(fields=["filed_with", "status"], name="filing_inbox_idx"),
        ),
    ]
