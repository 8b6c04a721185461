"""Uploaded files on S3-compatible object storage (moto's S3 server here; MinIO in
docker-compose.yml): the files a user sends or asks for reach the bucket, are read back through
the application's views and tasks, and never touch the web node's disk. Each test runs with the
file system storage too, as the positive control: there the same file is on disk."""

from pathlib import Path

import boto3
import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.files.storage import storages
from django.urls import reverse
from moto.server import ThreadedMotoServer

from bangfu.core.models import BackgroundJob, private_storage
from bangfu.procurement.models import Filing, FundingSource
from tests.procurement import conftest as procurement
from tests.procurement.test_filing import PDF, pdf
from tests.registry import conftest as registry
from tests.registry import test_export_protection as exports
from tests.registry.test_export_protection import HEAD_ID, PAGE, PURPOSE, ledger_rows, workbook
from tests.registry.test_import_limits import IMPORT_URL, named
from tests.registry.test_ledger import good_rows, xlsx

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = pytest.mark.usefixtures("in_english")

BUCKET, PRIVATE_BUCKET = "bangfu", "bangfu-private"

# The users, projects and households of the procurement and registry tests, here too.
_late_2026, funded, submitted = procurement._late_2026, procurement.funded, procurement.submitted
county, staff, agency, home_care = (
    procurement.county,
    procurement.staff,
    procurement.agency,
    procurement.home_care,
)
make_project, staff_client = procurement.make_project, registry.staff_client
manager, households, set_policy = exports.manager, exports.households, exports.set_policy


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["object storage", "file system"])
def stored(request, settings, tmp_path, monkeypatch):
    """The storages of a test; yields a function that lists where the files went, as
    {"bucket": [keys], "disk": [files under MEDIA_ROOT and PRIVATE_ROOT]}."""
    settings.MEDIA_ROOT = tmp_path / "media"
    client = None
    if request.param == "object storage":
        endpoint = request.getfixturevalue("s3_endpoint")
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        client = boto3.client("s3", endpoint_url=endpoint)
        for bucket in (BUCKET, PRIVATE_BUCKET):
            client.create_bucket(Bucket=bucket)
        options = {"endpoint_url": endpoint, "file_overwrite": False}
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "bangfu.core.object_storage.MediaObjectStorage",
                "OPTIONS": {**options, "bucket_name": BUCKET, "location": "media"},
            },
            "private": {
                "BACKEND": "bangfu.core.object_storage.PrivateObjectStorage",
                "OPTIONS": {**options, "bucket_name": PRIVATE_BUCKET, "location": "private"},
            },
        }
    # A model's FileField took its storage when the model was defined: give it this test's.
    for model in apps.get_models():
        for field in model._meta.fields:
            if getattr(field, "_storage_callable", None) is private_storage:
                monkeypatch.setattr(field, "storage", storages["private"])

    def where() -> dict[str, list[str]]:
        keys = []
        if client is not None:
            for bucket in (BUCKET, PRIVATE_BUCKET):
                listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
                keys += [f"{bucket}/{item['Key']}" for item in listing]
        roots = (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT))
        disk = [str(p.relative_to(r)) for r in roots for p in r.rglob("*") if p.is_file()]
        return {"bucket": sorted(keys), "disk": sorted(disk)}

    where.client = client
    yield where
    if client is not None:
        for bucket in (BUCKET, PRIVATE_BUCKET):
            for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
            client.delete_bucket(Bucket=bucket)


def expected(stored, *names: str) -> dict[str, list[str]]:
    """Where private files of these names are: in the private bucket, or on disk."""
    if stored.client is None:
        return {"bucket": [], "disk": sorted(names)}
    return {"bucket": sorted(f"{PRIVATE_BUCKET}/private/{name}" for name in names), "disk": []}


def test_a_filing_document_is_stored_and_read_back_through_its_page(
    client, stored, funded, submitted, staff
):
    project = submitted(name="特困老人居家照料", source=FundingSource.SUBSIDY)
    client.force_login(staff)
    sent = client.post(
        reverse("procurement:project-action", args=[project.pk, "filing"]), {"documents": [pdf()]}
    )
    assert sent.status_code == 302
    document = Filing.objects.get(project=project).documents.get()

    response = client.get(reverse("procurement:filing-document", args=[document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert stored() == expected(stored, document.file.name)
    if stored.client is not None:
        # a private object: nobody but its owner is granted anything, and it has no URL
        key = f"private/{document.file.name}"
        grants = stored.client.get_object_acl(Bucket=PRIVATE_BUCKET, Key=key)["Grants"]
        assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]
        with pytest.raises(ValueError, match="no URL"):
            document.file.url  # noqa: B018


def test_a_background_import_reads_its_upload_from_the_storage(
    staff_client, county_a, stored, django_capture_on_commit_callbacks
):
    set_policy(county_a, "background_rows", 2)
    with django_capture_on_commit_callbacks() as queued:
        staff_client.post(IMPORT_URL, {"file": named(xlsx(good_rows()), "台账.xlsx")})
    job = BackgroundJob.objects.get()
    assert stored() == expected(stored, job.input_file.name)  # the upload waits for its task

    for callback in queued:
        callback()

    job_page = reverse("registry:household-import-job", args=[job.pk])
    poll = staff_client.get(job_page, HTTP_HX_REQUEST="true").content.decode()
    assert "Imported: 2 households and 3 members." in poll
    assert stored() == expected(stored)  # and is gone once the job is done


def test_an_unmasked_export_is_stored_and_downloaded_through_the_audited_view(
    client, county_a, manager, households, stored, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    set_policy(county_a, "background_rows", 2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"unmasked": "1", "purpose": PURPOSE})
    job = BackgroundJob.objects.get(status=BackgroundJob.Status.DONE)
    assert stored() == expected(stored, job.result_file.name)

    download = client.get(reverse("registry:household-export-download", args=[job.pk]))

    assert HEAD_ID in str(ledger_rows(workbook(download)))
    audited = LogEntry.objects.filter(additional_data__export_download="registry.households")
    assert [(entry.actor, entry.additional_data["job"]) for entry in audited] == [(manager, job.pk)]
