import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    """Help requests from the public site are the desk's to triage: their receipt moves here from
    the site (``cms`` 0003 copies the rows), with who acknowledged them, the calls made, how they
    were closed and what the requester was told. A case the public opened has no member of staff
    as its opener."""

    dependencies = [
        ("referrals", "0008_intake_from_a_person"),
        ("regions", "0002_policy_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="intakecase",
            name="opened_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="opened by",
            ),
        ),
        migrations.AddConstraint(
            model_name="intakecase",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("opened_by__isnull", False), ("source", "public_form"), _connector="OR"
                ),
                name="intake_opened_by_staff_unless_public",
            ),
        ),
        migrations.CreateModel(
            name="HelpRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(max_length=12, unique=True, verbose_name="tracking code"),
                ),
                ("phone_hash", models.CharField(db_index=True, editable=False, max_length=64)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "new"),
                            ("acknowledged", "acknowledged"),
                            ("closed", "closed"),
                        ],
                        default="new",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "submitted_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="submitted at"
                    ),
                ),
                (
                    "consented_at",
                    models.DateTimeField(verbose_name="consent to be contacted given at"),
                ),
                (
                    "acknowledged_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="acknowledged at"),
                ),
                (
                    "closed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
                ),
                (
                    "close_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("served", "served"),
                            ("other_department", "referred to another department (转办)"),
                            ("not_eligible", "not eligible"),
                            ("duplicate", "duplicate of another request"),
                            ("unreachable", "could not be reached"),
                        ],
                        max_length=24,
                        verbose_name="reason for closing",
                    ),
                ),
                ("close_details", models.TextField(blank=True, verbose_name="closing: details")),
                (
                    "department",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("medical_insurance", "medical insurance bureau (医保)"),
                            ("education", "education bureau (教育)"),
                            ("housing", "housing and urban-rural development bureau (住建)"),
                            (
                                "human_resources",
                                "human resources and social security bureau (人社)",
                            ),
                            ("disabled_persons", "disabled persons' federation (残联)"),
                        ],
                        max_length=24,
                        verbose_name="department",
                    ),
                ),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="acknowledged by",
                    ),
                ),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="closed by",
                    ),
                ),
                (
                    "duplicate_of",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="duplicates",
                        to="referrals.helprequest",
                        verbose_name="duplicate of",
                    ),
                ),
                (
                    "intake",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="help_request",
                        to="referrals.intakecase",
                        verbose_name="intake case",
                    ),
                ),
                (
                    "township",
                    models.ForeignKey(
                        limit_choices_to={"level": 4},
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="township",
                    ),
                ),
                (
                    "village",
                    models.ForeignKey(
                        blank=True,
                        limit_choices_to={"level": 5},
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="village named by the requester",
                    ),
                ),
            ],
            options={
                "verbose_name": "help request",
                "verbose_name_plural": "help requests",
                "ordering": ["-submitted_at", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["status", "submitted_at"], name="referrals_h_status_fc51c6_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("closed_at__isnull", False),
                                ("status", "closed"),
                                models.Q(("close_reason", ""), _negated=True),
                            ),
                            models.Q(
                                models.Q(("status", "closed"), _negated=True), ("close_reason", "")
                            ),
                            _connector="OR",
                        ),
                        name="help_request_closed_with_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status", "new"), ("acknowledged_at__isnull", False), _connector="OR"
                        ),
                        name="help_request_acknowledged_when_handled",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("close_reason", "other_department"), _negated=True),
                            models.Q(("department", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="help_request_transfer_names_department",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("close_reason", "duplicate"), _negated=True),
                            ("duplicate_of__isnull", False),
                            _connector="OR",
                        ),
                        name="help_request_duplicate_names_original",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ContactAttempt",
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
                ("reached", models.BooleanField(verbose_name="reached")),
                ("note", models.TextField(blank=True, verbose_name="note")),
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
                    "help_request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_attempts",
                        to="referrals.helprequest",
                        verbose_name="help request",
                    ),
                ),
            ],
            options={
                "verbose_name": "contact attempt",
                "verbose_name_plural": "contact attempts",
                "ordering": ["at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="RequesterMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("step", models.CharField(max_length=16, verbose_name="step")),
                ("text", models.CharField(max_length=300, verbose_name="text")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                (
                    "reference",
                    models.CharField(blank=True, max_length=100, verbose_name="gateway reference"),
                ),
                (
                    "attempts",
                    models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
                ),
                ("error", models.CharField(blank=True, max_length=300, verbose_name="last error")),
                (
                    "help_request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="referrals.helprequest",
                        verbose_name="help request",
                    ),
                ),
            ],
            options={
                "verbose_name": "message to a requester",
                "verbose_name_plural": "messages to requesters",
                "ordering": ["created_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("help_request", "step"), name="requester_message_one_per_step"
                    )
                ],
            },
        ),
        load_policy_defaults("help_request_contact_attempts"),
    ]
