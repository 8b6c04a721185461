"""The need's county, its household's (``Need.county``): the county's intake desk reads its open
needs from an index that begins with it (``referrals.0014_need_county_desk_order``). Filled a
batch of needs at a time, so a province's registry is never locked for the whole fill
(``filled_then_required``)."""

from importlib import import_module

from django.db import migrations
from django.db.models import OuterRef, Subquery

from bangfu.core.migration_ops import AddedOnce, filled_then_required

# The household's county (0014), the column the need keeps a copy of.
county_field = import_module("bangfu.registry.migrations.0014_household_summaries").county_field


def household_county(apps):
    Household = apps.get_model("registry", "Household")
    return {
        "county": Subquery(Household.objects.filter(pk=OuterRef("household")).values("county"))
    }


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("regions", "0005_region_changes"),
        ("registry", "0016_region_tally_rollups"),
    ]

    # On SQLite making the column NOT NULL rebuilds the table, without the desk's index of open
    # needs (``referrals.0012_desk_indexes``, kept out of the models' state): ``referrals.0014``
    # builds it again.
    operations = [
        AddedOnce(model_name="need", name="county", field=county_field(null=True)),
        *filled_then_required("registry", "Need", household_county, "county", county_field()),
    ]
