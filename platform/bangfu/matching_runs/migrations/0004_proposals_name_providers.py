"""Stored proposals name a station, volunteer or project by its Provider row, as the engine does
now: ranked candidates, allocations and the rows a run left out had the kind's own primary key.
Charity offers keep theirs (they are not providers). A left-out row's ``fix_pk`` still names the
row whose page corrects it, so it stays as it is."""

from django.db import migrations

KINDS = {
    "station": ("providers", "Station"),
    "volunteer": ("providers", "Volunteer"),
    "project": ("procurement", "Project"),
}


def _providers_of(apps, forward: bool) -> dict[str, dict[int, int]]:
    """Per kind: kind-row pk -> provider pk (or back)."""
    found = {}
    for kind, (app, model) in KINDS.items():
        pairs = apps.get_model(app, model).objects.values_list("pk", "provider_id")
        found[kind] = {a: b for a, b in pairs} if forward else {b: a for a, b in pairs}
    return found


def _rekey(apps, forward: bool) -> None:
    mapping = _providers_of(apps, forward)
    for name in ("RankedCandidate", "Allocation"):
        model = apps.get_model("matching_runs", name)
        rows = list(model.objects.filter(provider_kind__in=list(KINDS)))
        for row in rows:
            row.provider_id = mapping[row.provider_kind].get(row.provider_id, row.provider_id)
        model.objects.bulk_update(rows, ["provider_id"], batch_size=2000)
    MatchingRun = apps.get_model("matching_runs", "MatchingRun")
    for run in MatchingRun.objects.exclude(left_out=[]):
        for entry in run.left_out:
            if entry.get("kind") in KINDS:
                entry["pk"] = mapping[entry["kind"]].get(entry["pk"], entry["pk"])
        run.save(update_fields=["left_out"])


def forwards(apps, schema_editor):
    _rekey(apps, forward=True)


def backwards(apps, schema_editor):
    _rekey(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("matching_runs", "0003_run_left_out"),
        ("providers", "0005_providers_for_stations_and_volunteers"),
        ("procurement", "0004_project_provider"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
