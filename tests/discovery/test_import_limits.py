"""Cross-check files too big for a request: the caps and the background threshold are those of
the region the file covers, as for the ledger (tests/registry/test_import_limits.py)."""

from django.urls import reverse

from bangfu.core.models import BackgroundJob
from bangfu.discovery.models import CrossCheckImport, Source, SourceRecord
from bangfu.regions.models import PolicyValue
from tests.discovery.conftest import MEDICAL, TODAY, csv_upload, person_id

IMPORT_URL = reverse("discovery:import")


def set_policy(place, key: str, value: int) -> None:
    PolicyValue.objects.create(key=key, region=place["county"], year=TODAY.year, value=value)


def medical_file(place, people: int):
    village = place["village"].code
    rows = [[person_id(), "李四", village, 2026, "1200.50"] for _ in range(people)]
    return csv_upload(MEDICAL, rows)


def post(client, place, upload):
    return client.post(
        IMPORT_URL,
        {
            "source": Source.MEDICAL,
            "region": place["county"].pk,
            "as_of": "2026-11-01",
            "file": upload,
        },
    )


def test_a_file_above_the_regions_row_cap_is_refused_with_both_figures(place, bureau, client):
    set_policy(place, "import_max_rows", 3)
    client.force_login(bureau)

    response = post(client, place, medical_file(place, 3))

    assert "The file has 4 rows; at most 3 rows can be imported at once." in (
        response.content.decode()
    )
    assert not CrossCheckImport.objects.exists() and not SourceRecord.objects.exists()
    # one row fewer is imported
    response = post(client, place, medical_file(place, 2))
    assert response.context["report"].ok
    assert SourceRecord.objects.count() == 2


def test_a_file_above_the_threshold_is_imported_in_the_background(
    place, bureau, client, django_capture_on_commit_callbacks
):
    set_policy(place, "background_rows", 2)
    client.force_login(bureau)

    with django_capture_on_commit_callbacks() as queued:
        response = post(client, place, medical_file(place, 3))
    job = BackgroundJob.objects.get()
    job_url = reverse("discovery:import-job", args=[job.pk])
    assert response.url == job_url
    assert "0 of 4 rows checked" in client.get(job_url).content.decode()
    assert not SourceRecord.objects.exists()

    for callback in queued:
        callback()
    poll = client.get(job_url, HTTP_HX_REQUEST="true").content.decode()

    assert "Imported 3 rows: 0 about people in the registry, 3 new candidate persons" in poll
    assert SourceRecord.objects.count() == 3
    assert CrossCheckImport.objects.get().ok
