import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data"


def load(apps, schema_editor):
    CatalogueItem = apps.get_model("procurement", "CatalogueItem")
    ServiceCategory = apps.get_model("registry", "ServiceCategory")
    EvaluationScheme = apps.get_model("procurement", "EvaluationScheme")
    EvaluationCriterion = apps.get_model("procurement", "EvaluationCriterion")

    catalogue = json.loads((DATA / "catalogue.json").read_text(encoding="utf-8"))
    for order, item in enumerate(catalogue["items"], start=1):
        CatalogueItem.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_en": item["name_en"],
                "category": ServiceCategory.objects.get(code=item["category"]),
                "unit": item["unit"],
                "reference_unit_price": item["price"],
                "sort_order": order,
            },
        )

    scheme_data = json.loads((DATA / "evaluation_scheme.json").read_text(encoding="utf-8"))
    weights = scheme_data["weights"]
    scheme, _ = EvaluationScheme.objects.update_or_create(
        region=None,
        year=scheme_data["year"],
        defaults={
            "name": scheme_data["name"],
            **{f"weight_{key}": value for key, value in weights.items()},
            "form_share_pct": scheme_data["form_share_pct"],
            "timeliness_full_days": scheme_data["timeliness_full_days"],
            "timeliness_zero_days": scheme_data["timeliness_zero_days"],
            "priority_tiers": scheme_data["priority_tiers"],
            "excellent_min": scheme_data["grades"]["excellent"],
            "good_min": scheme_data["grades"]["good"],
            "pass_min": scheme_data["grades"]["pass"],
        },
    )
    for order, criterion in enumerate(scheme_data["criteria"], start=1):
        EvaluationCriterion.objects.update_or_create(
            scheme=scheme,
            code=criterion["code"],
            defaults={"name": criterion["name"], "weight": criterion["weight"], "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0001_initial"),
        ("registry", "0002_service_categories"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
