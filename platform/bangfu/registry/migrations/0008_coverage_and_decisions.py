"""Coverage per person and the decisions that change it (issue 15).

Data: a household's own status (``household_tier``) is its old tier when that was 低保, 边缘 or
支出型, and the household keeps no status of its own when it was 特困. 特困 is a person's status
(特困供养 supports one person), but the old tier did not say which member held it, so one member
only is marked 特困 (``the_destitute``):

- in a one-person household, that person;
- else the members flagged "five elders" (五保, the old name of 特困供养) — the only sign of the
  person before this migration: no warning or decision names one yet;
- else the head of household (the lowest-numbered head, if the file has two); else the first
  member registered.

Marking every member, as this migration first did, made each of them 特困 — a status no
decision gave them. A 特困 household with no member keeps its tier until the next decision
recomputes it. Check the marked person against the benefits system and correct it by a
recorded decision where the head was not the one.

临时救助 is no longer a tier (it is a grant, ``TemporaryGrant``): households of the tier
"temporary" lose it with no trace. It is dropped, not turned into a grant, because the old tier
held no amount, no date and no decision — nothing a grant is made of — and a grant invented
without them would be a false record. The priority weights lose the tier "temporary" for the
same reason.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

HOUSEHOLD_TIERS = ("dibao", "marginal", "expenditure")


def split_tiers(apps, schema_editor):
    Household = apps.get_model("registry", "Household")
    Member = apps.get_model("registry", "Member")
    for tier in HOUSEHOLD_TIERS:
        Household.objects.filter(tier=tier).update(household_tier=tier)
    chosen = [
        pk
        for household in Household.objects.filter(tier="tekun")
        for pk in the_destitute(household)
    ]
    Member.objects.filter(pk__in=chosen).update(personal_status="tekun")
    Household.objects.filter(tier="temporary").update(tier="none", household_tier="none")
    PolicyValue = apps.get_model("regions", "PolicyValue")
    for value in PolicyValue.objects.filter(key="priority_weights"):
        tiers = value.value.get("tier") if isinstance(value.value, dict) else None
        if isinstance(tiers, dict) and "temporary" in tiers:
            del tiers["temporary"]
            value.save(update_fields=["value"])


def the_destitute(household) -> list[int]:
    """The members of an old 特困 household to mark 特困 (see the module's docstring): one, or
    those flagged five elders."""
    members = list(household.members.order_by("pk").values_list("pk", "relation", "is_five_elders"))
    if len(members) <= 1:
        return [pk for pk, _relation, _five in members]
    flagged = [pk for pk, _relation, five_elders in members if five_elders]
    heads = [pk for pk, relation, _five in members if relation == "head"]
    return flagged or heads[:1] or [members[0][0]]


def join_tiers(apps, schema_editor):
    """Back to one tier per household: 特困 where a member is, else the household's own (the
    grants of 临时救助 are not turned back into a tier)."""
    Household = apps.get_model("registry", "Household")
    Member = apps.get_model("registry", "Member")
    tekun = Member.objects.filter(personal_status="tekun").values("household_id")
    Household.objects.filter(pk__in=tekun).update(tier="tekun")
    PolicyValue = apps.get_model("regions", "PolicyValue")
    for value in PolicyValue.objects.filter(key="priority_weights"):
        tiers = value.value.get("tier") if isinstance(value.value, dict) else None
        if isinstance(tiers, dict) and "temporary" not in tiers:
            tiers["temporary"] = tiers.get("none", 0)
            value.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_search_columns"),
        ("regions", "0002_policy_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="exit_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("income_above", "income above the standard (收入超标)"),
                    ("assets_above", "assets above the limit"),
                    ("deceased", "deceased"),
                    ("moved_away", "moved away"),
                    ("wrongly_covered", "wrongly covered (错保)"),
                    ("declined", "declined assistance"),
                    ("other", "other"),
                ],
                max_length=16,
                verbose_name="exit reason",
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="exited_on",
            field=models.DateField(blank=True, null=True, verbose_name="exited on"),
        ),
        migrations.AddField(
            model_name="household",
            name="financial_assets",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="家庭金融资产, when known; empty: no asset data.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="financial assets (yuan)",
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="gradual_exit_until",
            field=models.DateField(
                blank=True, null=True, verbose_name="gradual exit (渐退期) until"
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="household_tier",
            field=models.CharField(
                choices=[
                    ("dibao", "minimum subsistence (低保)"),
                    ("marginal", "marginal (低保边缘)"),
                    ("expenditure", "expenditure hardship (支出型困难)"),
                    ("none", "none"),
                ],
                default="none",
                max_length=16,
                verbose_name="household's own status",
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="residence",
            field=models.CharField(
                choices=[("urban", "urban (城镇)"), ("rural", "rural (农村)")],
                default="rural",
                max_length=8,
                verbose_name="urban or rural",
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="is_employed",
            field=models.BooleanField(
                default=False,
                help_text="The work-income deduction applies only to employed members.",
                verbose_name="employed (已就业)",
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="personal_status",
            field=models.CharField(
                choices=[
                    ("none", "none"),
                    ("tekun", "destitute (特困)"),
                    ("single_dibao", "single-person dibao (单人纳保)"),
                ],
                default="none",
                max_length=16,
                verbose_name="personal status",
            ),
        ),
        migrations.RunPython(split_tiers, join_tiers),
        migrations.AlterField(
            model_name="household",
            name="tier",
            field=models.CharField(
                choices=[
                    ("tekun", "destitute (特困)"),
                    ("dibao", "minimum subsistence (低保)"),
                    ("marginal", "marginal (低保边缘)"),
                    ("expenditure", "expenditure hardship (支出型困难)"),
                    ("none", "none"),
                ],
                default="none",
                max_length=16,
                verbose_name="tier",
            ),
        ),
        migrations.CreateModel(
            name="StatusDecision",
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
                            ("enrol", "enrol (纳入)"),
                            ("exit", "exit (退出)"),
                            ("adjust", "adjust (调整)"),
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
                            ("confirmed", "confirmed"),
                            ("rejected", "rejected"),
                        ],
                        default="proposed",
                        max_length=16,
                        verbose_name="state",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("verification", "verification of a warning"),
                            ("review", "review"),
                            ("staff", "decision of the benefits system"),
                            ("ledger_import", "ledger import"),
                        ],
                        max_length=16,
                        verbose_name="source",
                    ),
                ),
                (
                    "from_status",
                    models.CharField(
                        choices=[
                            ("tekun", "destitute (特困)"),
                            ("single_dibao", "single-person dibao (单人纳保)"),
                            ("dibao", "minimum subsistence (低保)"),
                            ("marginal", "marginal (低保边缘)"),
                            ("expenditure", "expenditure hardship (支出型困难)"),
                            ("none", "none"),
                        ],
                        max_length=16,
                        verbose_name="from",
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("tekun", "destitute (特困)"),
                            ("single_dibao", "single-person dibao (单人纳保)"),
                            ("dibao", "minimum subsistence (低保)"),
                            ("marginal", "marginal (低保边缘)"),
                            ("expenditure", "expenditure hardship (支出型困难)"),
                            ("none", "none"),
                        ],
                        max_length=16,
                        verbose_name="to",
                    ),
                ),
                (
                    "exit_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("income_above", "income above the standard (收入超标)"),
                            ("assets_above", "assets above the limit"),
                            ("deceased", "deceased"),
                            ("moved_away", "moved away"),
                            ("wrongly_covered", "wrongly covered (错保)"),
                            ("declined", "declined assistance"),
                            ("other", "other"),
                        ],
                        max_length=16,
                        verbose_name="exit reason",
                    ),
                ),
                (
                    "gradual_exit_months",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="gradual exit (渐退期), months"
                    ),
                ),
                ("evidence", models.JSONField(blank=True, default=dict, verbose_name="evidence")),
                ("figures", models.JSONField(blank=True, default=dict, verbose_name="figures")),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "recommended_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="recommended at"),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
                ),
                (
                    "reference",
                    models.CharField(
                        blank=True,
                        help_text=(
                            "The benefits system's decision number, or the ledger file's name."
                        ),
                        max_length=100,
                        verbose_name="decision reference",
                    ),
                ),
                (
                    "rejection_reason",
                    models.TextField(blank=True, verbose_name="reason for rejection"),
                ),
                (
                    "effective_on",
                    models.DateField(blank=True, null=True, verbose_name="effective on"),
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
                        related_name="status_decisions",
                        to="registry.household",
                        verbose_name="household",
                    ),
                ),
                (
                    "ledger_import",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="decisions",
                        to="registry.ledgerimport",
                        verbose_name="ledger import",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        help_text=(
                            "Set when the decision is about the member's own status "
                            "(特困, 单人纳保)."
                        ),
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="status_decisions",
                        to="registry.member",
                        verbose_name="member",
                    ),
                ),
                (
                    "recommended_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recommended by",
                    ),
                ),
            ],
            options={
                "verbose_name": "status decision",
                "verbose_name_plural": "status decisions",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["state", "created_at"], name="registry_st_state_3327df_idx"
                    )
                ],
            },
        ),
    ]
