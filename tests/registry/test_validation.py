"""Every entry checks what it is given: the household and visit forms, and the ledger import.

A household saved with latitude 999, phone "abc" and number "ABC" used to take county-wide
matching and the intake desk down; each such value is now refused on its own field (or row and
column of a file), and nothing is saved.
"""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bangfu.registry.ledger import LEDGER_COLUMNS, import_ledger
from bangfu.registry.models import Assessment, Household, Need, ServiceCategory
from tests.factories import HouseholdFactory, make_id_number
from tests.registry.test_ledger import person

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = pytest.mark.usefixtures("in_english")

CREATE_URL = reverse("registry:household-create")
IMPORT_URL = reverse("registry:household-import")
# A week ahead: still in the future when a run crosses midnight between collection and the test.
NEXT_WEEK = timezone.localdate() + dt.timedelta(days=7)


def household_data(village, **overrides) -> dict:
    """A household as a clerk fills the form in; county_a's places lie at 23.6 N, 102.0 E."""
    data = {
        "registry_number": "530428-0100",
        "region": village.pk,
        "address": "和平路 3 号",
        "phone": "0877-6012345",
        "residence": "rural",
        "status": Household.Status.ACTIVE,
        "enrolled_on": timezone.localdate().isoformat(),
        "latitude": "23.612000",
        "longitude": "102.013000",
    }
    data.update(overrides)
    return data


def test_a_household_with_valid_entries_is_registered(staff_client, county_a):
    response = staff_client.post(CREATE_URL, household_data(county_a[2]))

    assert response.status_code == 302
    household = Household.objects.get(registry_number="530428-0100")
    assert household.phone == "08776012345"  # kept as its digits, as the lookup hash wants
    assert str(household.latitude) == "23.612000"


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("latitude", "999", "999 is not a latitude"),
        ("latitude", "30.5", "Outside 县530428: its households lie between latitude 23.33"),
        ("longitude", "", "Give both latitude and longitude, or neither."),
        ("phone", "abc", "Enter a mobile number (11 digits) or a landline"),
        ("phone", "1381234567", "Enter a mobile number (11 digits) or a landline"),
        ("registry_number", "ABC", "the county code 530428, a hyphen and 4 to 8 digits"),
        ("registry_number", "350502-0100", "the county code 530428"),
        ("address", "和平路\x003 号", "Null characters are not allowed."),
        ("enrolled_on", "0001-01-01", "0001-01-01 is not a plausible date"),
        ("enrolled_on", NEXT_WEEK.isoformat(), "This date cannot be in the future."),
        ("next_review_due", "2999-01-01", "2999-01-01 is not a plausible date"),
    ],
)
def test_a_bad_entry_is_refused_on_its_field_and_nothing_is_saved(
    staff_client, county_a, field, value, fragment
):
    response = staff_client.post(CREATE_URL, household_data(county_a[2], **{field: value}))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(fragment in message for message in errors[field]), errors
    assert not Household.objects.exists()


def test_an_old_registry_number_stays_valid_until_it_is_changed(staff_client, county_a):
    household = HouseholdFactory(region=county_a[2], registry_number="HH-000001")
    url = reverse("registry:household-update", args=[household.pk])
    data = household_data(county_a[2], registry_number="HH-000001", address="新地址 1 号")

    assert staff_client.post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.address == "新地址 1 号"

    response = staff_client.post(url, {**data, "registry_number": "ABC"})
    assert response.status_code == 200
    assert response.context["form"].errors["registry_number"]
    household.refresh_from_db()
    assert household.registry_number == "HH-000001"


# --- the visit form ---------------------------------------------------------------------------


def visit_data(**overrides) -> dict:
    data = {
        "assessed_on": timezone.localdate().isoformat(),
        "summary": "入户走访，老人独居，行动不便。",
        "needs-TOTAL_FORMS": "1",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "20",
        "needs-0-category": ServiceCategory.objects.get(code="care").pk,
        "needs-0-severity": "3",
        "needs-0-urgency": Need.Urgency.ROUTINE,
        "needs-0-preferred_times": "上午",
        "needs-0-notes": "每周两次助洁。",
    }
    data.update(overrides)
    return data


def test_a_visit_with_valid_entries_is_recorded(staff_client, household_a):
    url = reverse("registry:assessment-create", args=[household_a.pk])

    assert staff_client.post(url, visit_data()).status_code == 302
    assert Need.objects.get(household=household_a).notes == "每周两次助洁。"


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        ({"assessed_on": "0001-01-01"}, "assessed_on", "0001-01-01 is not a plausible date"),
        ({"assessed_on": NEXT_WEEK.isoformat()}, "assessed_on", "cannot be in the future"),
        ({"summary": "访" * 3000}, "summary", "at most 2000 characters"),
        ({"needs-0-notes": "助" * 3000}, "needs-0-notes", "at most 2000 characters"),
        ({"needs-0-notes": "助洁\x00"}, "needs-0-notes", "Null characters are not allowed."),
    ],
)
def test_a_bad_visit_is_refused_on_its_field_and_nothing_is_saved(
    staff_client, household_a, overrides, field, fragment
):
    url = reverse("registry:assessment-create", args=[household_a.pk])

    response = staff_client.post(url, visit_data(**overrides))

    assert response.status_code == 200
    if field.startswith("needs-0-"):
        errors = response.context["formset"].forms[0].errors[field.removeprefix("needs-0-")]
    else:
        errors = response.context["form"].errors[field]
    assert any(fragment in message for message in errors), errors
    assert not Assessment.objects.exists() and not Need.objects.exists()


# --- the ledger import ------------------------------------------------------------------------


def csv_bytes(rows, encoding="utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    headers = [column.header for column in LEDGER_COLUMNS]
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return text.getvalue().encode(encoding)


def upload(client, content: bytes, *, dry_run=False):
    file = SimpleUploadedFile("台账.csv", content, content_type="text/csv")
    return client.post(IMPORT_URL, {"file": file, **({"dry_run": "on"} if dry_run else {})})


def test_a_good_csv_imports(staff_client, county_a):
    response = upload(staff_client, csv_bytes([person()], encoding="gb18030"))

    assert response.status_code == 200
    assert response.context["report"].ok, response.context["report"].errors
    assert Household.objects.get(registry_number="530428-1001").phone == "13812345678"


@pytest.mark.parametrize(
    "content, fragment",
    [
        # Excel's "CSV UTF-8" mark before text saved as GBK: not UTF-8, and not GB18030 either.
        (
            b"\xef\xbb\xbf" + csv_bytes([person()], encoding="gbk"),
            "begins with the mark of UTF-8 text, but line 1 is not UTF-8",
        ),
        (
            csv_bytes([person(name="张\x00三")]),
            "Line 2 of this file holds a NUL character",
        ),
        (b"\x81\x30\x81\xff\xff\n", "neither an .xlsx workbook nor CSV text"),
    ],
    ids=["utf8-mark-then-gbk", "nul", "garbage"],
)
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_an_unreadable_csv_gets_a_clear_error_instead_of_a_500(
    staff_client, county_a, content, fragment, dry_run
):
    response = upload(staff_client, content, dry_run=dry_run)

    assert response.status_code == 200
    [error] = response.context["report"].errors
    assert error.row == 0 and fragment in error.reason, error
    assert "Save it again as “CSV UTF-8” or as an .xlsx workbook." in error.reason
    assert not Household.objects.exists()


def test_the_ledger_applies_the_forms_rules_with_row_and_column(bureau_staff, county_a):
    rows = [
        person(),  # row 2: fine
        person("530428-1002", id_number=make_id_number(seq=61), **{"联系电话": "abc"}),
        person("ABC", id_number=make_id_number(seq=62)),
        person("530428-1004", id_number=make_id_number(seq=63), **{"纳入日期": NEXT_WEEK}),
        person("530428-1005", id_number=make_id_number(seq=64), **{"下次复核日期": "0001-01-01"}),
    ]
    content = io.BytesIO(csv_bytes(rows))

    report = import_ledger(content, filename="台账.csv", by=bureau_staff)

    found = {(error.row, error.column): error.reason for error in report.errors}
    assert set(found) == {(3, "联系电话"), (4, "户编号"), (5, "纳入日期"), (6, "下次复核日期")}
    assert "Enter a mobile number (11 digits) or a landline" in found[3, "联系电话"]
    assert "the county code 530428, a hyphen and 4 to 8 digits" in found[4, "户编号"]
    assert "cannot be in the future" in found[5, "纳入日期"]
    assert "“0001-01-01” is not a date" in found[6, "下次复核日期"]
    assert not Household.objects.exists()
