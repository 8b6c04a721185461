"""The desk's order kept on the case (``referrals.desk_order``): the need's urgency rank and
priority and the live referral's current deadline, added, filled for the cases there are in one
UPDATE, then indexed in the order of the desk's two lists, each on the cases of its status."""

from django.db import migrations, models
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

# ``selectors.order.URGENCY_ORDER`` and ``current_due`` as they stand at this migration.
URGENCY_ORDER = ("emergency", "urgent", "soon", "routine")
LIVE = ("sent", "accepted", "in_service")

# The waiting cases in the desk's order (``selectors.waiting_cases``): the highest priority first
# with the cases without a need after them, which SQLite refuses in an index; its embedded
# desks are small enough to sort.
WAITING_ORDER = """
CREATE INDEX IF NOT EXISTS "intake_waiting_order" ON "referrals_intakecase" (
    "urgency_rank", "need_priority" DESC NULLS LAST, "opened_at", "id"
) WHERE "status" = 'open'
"""


def order_filled(apps, schema_editor):
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    Need = apps.get_model("registry", "Need")
    Referral = apps.get_model("referrals", "Referral")
    need = Need.objects.filter(pk=OuterRef("need_id")).order_by()
    rank = Case(
        *(When(urgency=urgency, then=Value(n)) for n, urgency in enumerate(URGENCY_ORDER)),
        default=Value(len(URGENCY_ORDER)),
        output_field=IntegerField(),
    )
    due = Case(
        When(status="sent", then=F("accept_due_at")),
        When(status="accepted", then=F("service_due_at")),
        default=None,
    )
    live = Referral.objects.filter(intake=OuterRef("pk"), status__in=LIVE).order_by()
    IntakeCase.objects.update(
        urgency_rank=Coalesce(
            Subquery(need.annotate(rank=rank).values("rank"), IntegerField()),
            len(URGENCY_ORDER),
        ),
        need_priority=Subquery(need.values("priority")),
        due_at=Subquery(live.annotate(due=due).values("due")[:1]),
    )


def waiting_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WAITING_ORDER)


def waiting_index_dropped(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "intake_waiting_order"')


class Migration(migrations.Migration):
    dependencies = [("referrals", "0012_desk_indexes")]

    operations = [
        migrations.AddField(
            model_name="intakecase",
            name="due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="referral due"
            ),
        ),
        migrations.AddField(
            model_name="intakecase",
            name="need_priority",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                editable=False,
                max_digits=7,
                null=True,
                verbose_name="priority of the need",
            ),
        ),
        migrations.AddField(
            model_name="intakecase",
            name="urgency_rank",
            field=models.PositiveSmallIntegerField(
                default=4, editable=False, verbose_name="urgency rank"
            ),
        ),
        migrations.RunPython(order_filled, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="intakecase",
            index=models.Index(
                condition=Q(status="referred"),
                fields=["urgency_rank", "due_at", "opened_at", "id"],
                name="intake_referred_order",
            ),
        ),
        # Kept out of the model's Meta, as ``core.migration_ops.postgres_index`` explains.
        migrations.RunPython(waiting_index, waiting_index_dropped, elidable=False),
    ]
