"""Imports too big for a request: caps on rows and bytes from the policy of the importer's
region, and files above ``background_rows`` imported by a background job whose page shows the
rows checked, then the same report; all or nothing still, and the job is its owner's alone."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.models import BackgroundJob
from bangfu.regions.models import PolicyValue
from bangfu.registry.ledger import LEDGER_COLUMNS, import_ledger
from bangfu.registry.models import Household, LedgerImport, Member
from tests.factories import UserFactory, member_of
from tests.registry.test_ledger import good_rows, person, xlsx

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = pytest.mark.usefixtures("in_english")

IMPORT_URL = reverse("registry:household-import")
HEADERS = [column.header for column in LEDGER_COLUMNS]


@pytest.fixture
def policy(county_a):
    """Set a policy parameter for county A, this year."""
    county, _town, _village = county_a

    def set_value(key: str, value: int) -> None:
        PolicyValue.objects.update_or_create(
            key=key, region=county, year=timezone.localdate().year, defaults={"value": value}
        )

    return set_value


def named(upload: io.BytesIO, name: str) -> io.BytesIO:
    upload.name = name
    return upload


def streamed_xlsx(rows) -> io.BytesIO:
    """A ledger written as our own export writes it: streaming, with no declared sheet size."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(header) for header in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return named(buffer, "台账.xlsx")


def bad_id_row():
    return person("530428-1003", name="赵五", id_number="530428195804090")


# --- caps ----------------------------------------------------------------------------------


def test_a_file_with_more_rows_than_the_policy_allows_is_refused_with_both_figures(
    staff_client, county_a, policy
):
    policy("import_max_rows", 3)

    response = staff_client.post(IMPORT_URL, {"file": streamed_xlsx(good_rows())})

    assert response.status_code == 200
    assert (
        "The file has 4 rows; at most 3 rows can be imported at once. Split it into smaller "
        "files." in response.content.decode()
    )
    assert not Household.objects.exists() and not BackgroundJob.objects.exists()

    # the same file within the cap is imported
    policy("import_max_rows", 4)
    response = staff_client.post(IMPORT_URL, {"file": streamed_xlsx(good_rows())})
    assert response.context["report"].ok
    assert Household.objects.count() == 2


def test_a_file_larger_than_the_policy_allows_is_refused_with_both_figures(
    staff_client, county_a, policy
):
    policy("import_max_megabytes", 1)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([*HEADERS, "备注"])  # an unknown column, ignored by the import
    for row in good_rows():
        writer.writerow([*(row.get(header) for header in HEADERS), "很长的备注" * 27_000])
    upload = named(io.BytesIO(text.getvalue().encode("utf-8")), "台账.csv")
    megabytes = len(upload.getvalue()) / 2**20
    assert megabytes > 1.1

    response = staff_client.post(IMPORT_URL, {"file": upload})

    assert (
        f"The file is {megabytes:.1f} MB; at most 1 MB can be imported at once."
        in response.content.decode()
    )
    assert not Household.objects.exists()


def test_the_import_itself_refuses_a_file_above_the_caps(bureau_staff, county_a, policy):
    # the command line and the background task come in here, past the page
    policy("import_max_rows", 2)

    report = import_ledger(xlsx(good_rows()), filename="a.xlsx", by=bureau_staff)

    assert [(e.row, e.reason) for e in report.errors] == [
        (
            0,
            "The file has 4 rows; at most 2 rows can be imported at once. Split it into "
            "smaller files.",
        )
    ]
    assert not Household.objects.exists()
    assert LedgerImport.objects.get().ok is False


# --- in the background -----------------------------------------------------------------------


def test_a_file_above_the_threshold_is_imported_in_the_background_showing_its_progress(
    staff_client, county_a, policy, settings, django_capture_on_commit_callbacks
):
    policy("background_rows", 2)

    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(IMPORT_URL, {"file": named(xlsx(good_rows()), "台账.xlsx")})

    # then the request only stored the file and queued the job
    job = BackgroundJob.objects.get()
    job_url = reverse("registry:household-import-job", args=[job.pk])
    assert response.status_code == 302 and response.url == job_url
    stored = settings.PRIVATE_ROOT / job.input_file.name
    assert stored.exists() and "台账" not in job.input_file.name
    assert not Household.objects.exists()
    page = staff_client.get(job_url).content.decode()
    assert "0 of 4 rows checked" in page and f'hx-get="{job_url}"' in page

    # when the task runs (in-process here), the polled page shows the import's report
    for callback in queued:
        callback()
    poll = staff_client.get(job_url, HTTP_HX_REQUEST="true").content.decode()

    assert "Imported: 2 households and 3 members." in poll
    assert "hx-get" not in poll  # finished: the page stops polling
    assert Member.objects.filter(household__registry_number="530428-1001").count() == 2
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == ("done", 4, 4)
    # the uploaded bytes are gone once the job is done
    assert not job.input_file and not stored.exists()


def test_a_background_import_with_one_bad_row_writes_nothing(
    staff_client, county_a, policy, django_capture_on_commit_callbacks
):
    policy("background_rows", 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            IMPORT_URL, {"file": named(xlsx([*good_rows(), bad_id_row()]), "台账.xlsx")}
        )

    page = staff_client.get(response.url).content.decode()
    assert "The file has 1 error. Nothing was written." in page
    assert "Invalid ID number" in page
    assert not Household.objects.exists() and not Member.objects.exists()
    assert LedgerImport.objects.get().ok is False
    assert BackgroundJob.objects.get().status == BackgroundJob.Status.DONE


def test_a_second_delivery_of_a_finished_import_writes_nothing_more(
    staff_client, county_a, policy, django_capture_on_commit_callbacks
):
    from bangfu.registry.tasks import ledger_import_task

    policy("background_rows", 2)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(IMPORT_URL, {"file": named(xlsx(good_rows()), "台账.xlsx")})
    job = BackgroundJob.objects.get()

    ledger_import_task.apply(args=[job.pk], throw=True)

    assert Household.objects.count() == 2
    job.refresh_from_db()
    assert job.result["households_created"] == 2 and job.result["errors"] == []


def test_only_the_user_who_started_an_import_can_read_it(
    staff_client, client, county_a, policy, django_capture_on_commit_callbacks
):
    policy("background_rows", 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            IMPORT_URL, {"file": named(xlsx([*good_rows(), bad_id_row()]), "台账.xlsx")}
        )
    job_url = response.url
    # the owner reads it
    assert staff_client.get(job_url).status_code == 200

    # a colleague of the same bureau, with the same rights, does not
    county, _town, _village = county_a
    colleague = UserFactory(username="bureau_a2")
    bureau = Organisation.objects.get(kind=Organisation.Kind.BUREAU, region=county)
    member_of(colleague, bureau, Membership.Role.BUREAU_STAFF)
    client.force_login(colleague)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(job_url, **headers)
        assert response.status_code == 404
        assert "530428-1003" not in response.content.decode()
