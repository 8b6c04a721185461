"""The subject-access export, the processing record and the retention schedule's pages: who
may read, who may change, what the files hold."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from bangfu.accounts.models import Membership
from bangfu.core.models import BackgroundJob
from bangfu.privacy.models import (
    AnonymisedHousehold,
    ProcessingActivity,
    RetentionRule,
    RetentionRun,
)
from tests.privacy.conftest import admin_with_duty, exit_household, household_story

Role = Membership.Role
SUBJECT_ACCESS = "/staff/privacy/subject-access/"


@pytest.fixture
def story(place):
    return household_story(
        place, number="530428-0001", seq=1, by=place.staff, station=place.station
    )


def signed_in(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def workbook_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def cells(sheet) -> list:
    return [value for row in sheet.iter_rows(values_only=True) for value in row if value]


def subject_entries(member):
    return LogEntry.objects.get_for_object(member).filter(
        action=LogEntry.Action.ACCESS, additional_data__subject_access=member.pk
    )


def test_the_subject_access_copy_holds_the_persons_referrals_and_is_audited(client, place, story):
    response = signed_in(client, place.staff).post(
        SUBJECT_ACCESS, {"id_number": story.head.id_number, "purpose": "来信 2026-12-01"}
    )

    book = workbook_of(response)
    person = cells(book["Person"])
    assert story.head.name in person and story.head.id_number in person
    # Another member's personal fields are not in a copy for the head.
    assert story.child.name not in [v for sheet in book for v in cells(sheet)]
    referrals = cells(book["Referrals"])
    assert "请先电话联系" in referrals and str(place.station.provider) in referrals
    assert "每周两次上门" in cells(book["Needs"])
    revealed = cells(book["Access to the ID number"])
    assert str(place.staff) in revealed
    entry = subject_entries(story.head).get()
    assert entry.actor == place.staff
    assert entry.additional_data["purpose"] == "来信 2026-12-01"


def test_the_copy_is_refused_across_areas_with_the_answer_given_for_nobody(
    client, place, other_place, story, in_english
):
    outsider = signed_in(client, other_place.staff)
    response = outsider.post(SUBJECT_ACCESS, {"id_number": story.head.id_number, "purpose": "来信"})
    nobody = outsider.post(SUBJECT_ACCESS, {"id_number": "11010519491231002X", "purpose": "来信"})

    assert response.status_code == nobody.status_code == 200
    assert "No member of a household in your area has this ID number." in response.content.decode()
    assert story.head.name not in response.content.decode()
    assert not subject_entries(story.head).exists()
    # The positive control: the bureau of the person's own area gets the copy.
    own = signed_in(client, place.staff).post(
        SUBJECT_ACCESS, {"id_number": story.head.id_number, "purpose": "来信"}
    )
    assert own.status_code == 200 and "Person" in workbook_of(own).sheetnames


@pytest.mark.parametrize("role", ["auditor", "security_admin"])
def test_roles_that_may_not_reveal_id_numbers_get_no_copy(client, place, story, role):
    user = place.auditor if role == "auditor" else admin_with_duty(place, role, "security")

    response = signed_in(client, user).post(
        SUBJECT_ACCESS, {"id_number": story.head.id_number, "purpose": "来信"}
    )

    assert response.status_code == 403
    assert not subject_entries(story.head).exists()


def test_the_processing_record_is_read_and_exported_by_the_auditor(client, place):
    auditor = signed_in(client, place.auditor)

    page = auditor.get("/staff/privacy/")
    book = workbook_of(auditor.get("/staff/privacy/record.xlsx"))

    assert "困难家庭登记与分层分类管理" in page.content.decode()
    activities = cells(book["Processing activities"])
    for activity in ProcessingActivity.objects.all():
        assert activity.name in activities
    assert "身份证号" in " ".join(map(str, activities))
    assert "households exited (years after exit)" in cells(book["Retention schedule"])
    assert f"Exported by {place.auditor}" in " ".join(map(str, activities))


def test_only_the_security_administrator_edits_the_record(client, place):
    activity = ProcessingActivity.objects.get(code="help-requests")
    url = f"/staff/privacy/record/{activity.pk}/"
    data = {
        field: getattr(activity, field)
        for field in ("code", *ProcessingActivity.RECORD_FIELDS, "sort_order")
    } | {"recipients": "乡镇受理窗口；短信服务商", "region": ""}
    auditor = signed_in(client, place.auditor).post(url, data)
    assert auditor.status_code == 403
    assert ProcessingActivity.objects.get(pk=activity.pk).recipients != data["recipients"]

    security = admin_with_duty(place, Role.SECURITY_ADMIN, "security")
    response = signed_in(client, security).post(url, data)

    assert response.status_code == 302
    assert ProcessingActivity.objects.get(pk=activity.pk).recipients == data["recipients"]


def test_a_county_manager_sets_the_countys_own_period_and_no_other(client, place, other_place):
    url = "/staff/privacy/retention/county/households_exited/"
    response = signed_in(client, place.manager).post(url, {"period": 8, "is_active": "on"})

    assert response.status_code == 302
    rule = RetentionRule.objects.get(category="households_exited", region=place.county)
    assert rule.period == 8 and rule.updated_by == place.manager
    default = RetentionRule.objects.get(category="households_exited", region=None)
    assert default.period == 5
    # Another county's manager may not change it, nor the platform's period; staff neither.
    other = signed_in(client, other_place.manager)
    assert other.post(f"/staff/privacy/retention/{rule.pk}/", {"period": 1}).status_code == 403
    assert other.post(f"/staff/privacy/retention/{default.pk}/", {"period": 1}).status_code == 403
    staff = signed_in(client, place.staff)
    assert staff.post(url, {"period": 1}).status_code == 403
    assert RetentionRule.objects.get(pk=rule.pk).period == 8


def dry_run(client, user, capture):
    """The dry run asked for on the retention page, counted by its job, then its page."""
    with capture(execute=True):
        response = signed_in(client, user).post("/staff/privacy/retention/")
    assert response.status_code == 302
    return client.get(response["Location"])


def test_the_retention_page_runs_a_dry_run_in_the_background(
    client, place, in_english, django_capture_on_commit_callbacks
):
    security = admin_with_duty(place, Role.SECURITY_ADMIN, "security")

    response = dry_run(client, security, django_capture_on_commit_callbacks)

    assert "Dry run: 0 rows would change now; nothing was changed." in response.content.decode()
    assert "every region" in response.content.decode()
    job = BackgroundJob.objects.get(user=security)
    assert job.kind == "privacy.retention_dry_run" and job.status == BackgroundJob.Status.DONE
    assert RetentionRun.objects.filter(pk__in=job.result["runs"], dry_run=True).count() == 3
    # Another user does not find the job; staff read the schedule and may not run it.
    staff = signed_in(client, place.staff)
    assert staff.get(f"/staff/privacy/retention/dry-runs/{job.pk}/").status_code == 404
    assert staff.get("/staff/privacy/retention/").status_code == 200
    assert staff.post("/staff/privacy/retention/").status_code == 403


def test_a_county_managers_dry_run_counts_only_their_county(
    client, place, other_place, in_english, django_capture_on_commit_callbacks
):
    exited = dt.date(timezone.localdate().year - 6, 1, 15)
    for seq, where, prefix in ((1, place, "530428"), (3, other_place, "350502")):
        story = household_story(
            where,
            number=f"{prefix}-{seq:04d}",
            seq=seq,
            by=where.staff,
            station=where.station,
        )
        exit_household(story.household, on=exited)

    mine = dry_run(client, place.manager, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get(user=place.manager)

    assert job.params["counties"] == [place.county.pk]
    assert job.result["counts"]["registry.Household"] == 1
    assert place.county.name in mine.content.decode()
    # The positive control: the security administrator counts both counties.
    security = admin_with_duty(place, Role.SECURITY_ADMIN, "security")
    dry_run(client, security, django_capture_on_commit_callbacks)
    assert BackgroundJob.objects.get(user=security).result["counts"]["registry.Household"] == 2
    assert not AnonymisedHousehold.objects.exists()
