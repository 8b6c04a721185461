import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "service_categories.json"


def load(apps, schema_editor):
    ServiceCategory = apps.get_model("registry", "ServiceCategory")
    order = 0

    def add(node, parent, kind):
        nonlocal order
        order += 1
        category, _ = ServiceCategory.objects.update_or_create(
            code=node["code"],
            defaults={
                "name": node["name"],
                "name_en": node["name_en"],
                "kind": node.get("kind", kind),
                "parent": parent,
                "sort_order": order,
            },
        )
        for child in node.get("children", []):
            add(child, category, category.kind)

    for node in json.loads(DATA.read_text(encoding="utf-8")):
        add(node, None, node["kind"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
