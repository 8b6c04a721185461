"""The household list's counts and the county, kept on the household (``registry.summaries``):
added, filled for the households there are a batch of households at a time
(``filled_then_required``), then indexed in the list's orders."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, Count, IntegerField, Max, OuterRef, Subquery, When
from django.db.models.functions import Coalesce

from bangfu.core.migration_ops import (
    AddedOnce,
    IndexedConcurrently,
    filled_then_required,
    postgres_index,
)

COUNTY = 3  # Region.Level.COUNTY
OPEN_STATUSES = ("open", "matched")  # Need.OPEN_STATUSES


def _counted(rows):
    return Coalesce(
        Subquery(
            rows.filter(household=OuterRef("pk"))
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def summaries(apps):
    """Each household's county is its village's nearest region at county level or above
    (``Region.county``): a village's parent is a township or a county, whose parent is a
    county or above, so two steps up reach it."""
    Region = apps.get_model("regions", "Region")
    Member = apps.get_model("registry", "Member")
    Need = apps.get_model("registry", "Need")
    county = (
        Region.objects.filter(pk=OuterRef("region_id"))
        .annotate(
            county=Case(
                When(level__lte=COUNTY, then="pk"),
                When(parent__level__lte=COUNTY, then="parent_id"),
                When(parent__parent__level__lte=COUNTY, then="parent__parent_id"),
                default="pk",
            )
        )
        .values("county")
    )
    open_needs = Need.objects.filter(status__in=OPEN_STATUSES)
    top = (
        open_needs.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(top=Max("priority"))
        .values("top")
    )
    return {
        "county_id": Subquery(county),
        "member_count": _counted(Member.objects.all()),
        "open_need_count": _counted(open_needs),
        "top_open_priority": Subquery(top),
    }


def county_field(**null):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        editable=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="regions.region",
        verbose_name="county",
        **null,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("regions", "0005_region_changes"),
        ("registry", "0013_list_indexes"),
    ]

    operations = [
        AddedOnce(model_name="household", name="county", field=county_field(null=True)),
        AddedOnce(
            model_name="household",
            name="member_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="members"),
        ),
        AddedOnce(
            model_name="household",
            name="open_need_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="open needs"),
        ),
        AddedOnce(
            model_name="household",
            name="top_open_priority",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                editable=False,
                max_digits=7,
                null=True,
                verbose_name="highest priority of the open needs",
            ),
        ),
        *filled_then_required("registry", "Household", summaries, "county", county_field()),
        IndexedConcurrently(
            model_name="household",
            index=models.Index(
                fields=["county", "registry_number", "id"], name="household_county_number"
            ),
        ),
        IndexedConcurrently(
            model_name="household",
            index=models.Index(fields=["member_count", "id"], name="household_members_pk"),
        ),
        IndexedConcurrently(
            model_name="household",
            index=models.Index(fields=["-member_count", "id"], name="household_members_desc_pk"),
        ),
        IndexedConcurrently(
            model_name="household",
            index=models.Index(fields=["top_open_priority", "id"], name="household_priority_pk"),
        ),
        # The list by highest priority, the highest first (NULLs last), on PostgreSQL only.
        postgres_index(
            "registry_household",
            "household_priority_desc_pk",
            '"top_open_priority" DESC NULLS LAST, "id"',
            concurrently=True,
        ),
    ]
