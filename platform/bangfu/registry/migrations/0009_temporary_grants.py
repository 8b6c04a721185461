"""临时救助 as events (issue 15): the ``TemporaryGrant`` model, and the national default of the
first-aid limit under which a township grants at once (regions/data/policy_defaults.json)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from bangfu.regions.migration_ops import load_policy_defaults


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_coverage_and_decisions"),
        ("regions", "0002_policy_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TemporaryGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("emergency", "emergency (急难型)"),
                            ("expenditure", "expenditure (支出型)"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("proposed", "proposed"),
                            ("decided", "granted"),
                            ("rejected", "rejected"),
                        ],
                        default="proposed",
                        max_length=16,
                        verbose_name="state",
                    ),
                ),
                ("granted_on", models.DateField(blank=True, null=True, verbose_name="granted on")),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=10, verbose_name="amount (yuan)"
                    ),
                ),
                ("reason", models.TextField(verbose_name="reason")),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
                ),
                (
                    "reference",
                    models.CharField(
                        blank=True,
                        help_text="The number of the grant in the social-assistance system.",
                        max_length=100,
                        verbose_name="decision reference",
                    ),
                ),
                (
                    "rejection_reason",
                    models.TextField(blank=True, verbose_name="reason for rejection"),
                ),
                (
                    "first_aid",
                    models.BooleanField(
                        default=False,
                        help_text=(
                            "Decided at once by the township under the limit, reported after."
                        ),
                        verbose_name="first aid (先行救助)",
                    ),
                ),
                (
                    "reported_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="acknowledged by the county at"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="decided by",
                    ),
                ),
                (
                    "household",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="temporary_grants",
                        to="registry.household",
                        verbose_name="household",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        help_text="The person the grant is for, when it is one member's.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="temporary_grants",
                        to="registry.member",
                        verbose_name="member",
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="proposed by",
                    ),
                ),
                (
                    "reported_to",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="reported to",
                    ),
                ),
            ],
            options={
                "verbose_name": "temporary assistance grant (临时救助)",
                "verbose_name_plural": "temporary assistance grants (临时救助)",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["state", "granted_on"], name="registry_te_state_77856d_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)),
                        name="temporary_grant_amount_positive",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "decided"), _negated=True),
                            models.Q(
                                ("decided_at__isnull", False),
                                ("decided_by__isnull", False),
                                ("granted_on__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="temporary_grant_decided_is_complete",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("reported_at__isnull", True),
                            models.Q(("first_aid", True), ("state", "decided")),
                            _connector="OR",
                        ),
                        name="temporary_grant_only_first_aid_is_reported",
                    ),
                ],
            },
        ),
        load_policy_defaults("temporary_grant_first_aid_limit"),
    ]
