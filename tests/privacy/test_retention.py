"""The retention schedule anonymises only what is due, keeps the statistics, records each run,
changes nothing in a dry run, and an anonymised household is never filled in by an import."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bangfu.discovery.models import CrossCheckImport, Source, SourceRecord
from bangfu.privacy.models import ANONYMOUS, AnonymisedHousehold, RetentionRule, RetentionRun
from bangfu.privacy.retention import retention_run
from bangfu.privacy.tasks import retention_run_task
from bangfu.referrals.models import HelpRequest, IntakeCase, Referral
from bangfu.registry.ledger import import_ledger
from bangfu.registry.models import Household, Member, Need
from tests.privacy.conftest import exit_household, help_request, household_story
from tests.registry.test_ledger import person, xlsx

pytestmark = pytest.mark.usefixtures("in_english")


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def stories(place):
    """Households exited 6 and 4 years ago and an active one, with members, needs, referrals."""
    made = {
        name: household_story(
            place, number=f"530428-{seq:04d}", seq=seq, by=place.staff, station=place.station
        )
        for seq, name in ((1, "old"), (3, "recent"), (5, "active"))
    }
    exit_household(made["old"].household, on=years_ago(6))
    exit_household(made["recent"].household, on=years_ago(4))
    return made


def snapshot(story) -> dict:
    household = Household.objects.get(pk=story.household.pk)
    head = Member.objects.get(pk=story.head.pk)
    need = Need.objects.get(pk=story.need.pk)
    referral = Referral.objects.get(pk=story.referral.pk)
    return {
        "address": household.address,
        "phone": household.phone,
        "latitude": household.latitude,
        "tier": household.tier,
        "name": head.name,
        "id_number": head.id_number,
        "birth_date": head.birth_date,
        "sex": head.sex,
        "illness": head.illness,
        "illness_note": head.illness_note,
        "need_category": need.category_id,
        "need_notes": need.notes,
        "summary": household.assessments.get().summary,
        "referral_status": referral.status,
        "note_to_provider": referral.note_to_provider,
        "caller_description": IntakeCase.objects.get(need=need).description,
    }


def test_a_household_exited_six_years_ago_is_anonymised_and_its_statistics_kept(stories):
    old, recent, active = (snapshot(stories[name]) for name in ("old", "recent", "active"))

    runs = retention_run()

    after = snapshot(stories["old"])
    assert after["name"] == ANONYMOUS
    assert after["id_number"] == after["address"] == after["phone"] == ""
    assert after["latitude"] is None
    assert after["illness_note"] == after["need_notes"] == after["summary"] == ""
    assert after["note_to_provider"] == ""
    assert after["caller_description"] == ANONYMOUS
    # The year of birth and the sex stay; so do tier, needs' categories, referral outcomes.
    assert after["birth_date"] == dt.date(old["birth_date"].year, 1, 1)
    for kept in ("sex", "illness", "tier", "need_category", "referral_status"):
        assert after[kept] == old[kept]
    head = Member.objects.get(pk=stories["old"].head.pk)
    assert head.name_pinyin == head.id_tail4_hash == ""
    assert Member.objects.filter(household=stories["old"].household).count() == 2
    # Nothing else is touched.
    assert snapshot(stories["recent"]) == recent
    assert snapshot(stories["active"]) == active
    household_run = next(run for run in runs if run.rule.category == "households_exited")
    assert household_run.counts["registry.Household"] == 1
    assert household_run.counts["registry.Member"] == 2
    assert household_run.counts["referrals.Referral"] == 1
    assert not household_run.dry_run
    assert AnonymisedHousehold.objects.get().household == stories["old"].household
    entry = LogEntry.objects.get_for_object(stories["old"].household).latest("timestamp")
    assert entry.additional_data == {"retention_run": household_run.pk, "anonymised": True}


def test_the_head_cannot_be_found_by_id_number_once_anonymised(stories, client, place):
    number = stories["old"].head.id_number
    retention_run()

    client.force_login(place.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the message is asserted in English
    response = client.post("/staff/privacy/subject-access/", {"id_number": number, "purpose": "x"})

    assert "No member of a household in your area" in response.content.decode()


def test_a_second_run_finds_nothing_due(stories):
    retention_run()
    again = retention_run()

    assert all(run.total == 0 for run in again)


def test_a_dry_run_counts_what_is_due_and_changes_nothing(stories):
    before = snapshot(stories["old"])

    runs = retention_run(dry_run=True)

    assert snapshot(stories["old"]) == before
    assert not AnonymisedHousehold.objects.exists()
    household_run = next(run for run in runs if run.rule.category == "households_exited")
    stored = RetentionRun.objects.get(pk=household_run.pk)
    assert stored.dry_run and stored.counts["registry.Member"] == 2
    # The positive control: the real run changes what the dry run counted.
    real = next(r for r in retention_run() if r.rule.category == "households_exited")
    assert real.counts == stored.counts
    assert snapshot(stories["old"])["name"] == ANONYMOUS


def test_a_countys_own_longer_period_keeps_its_households(stories, place, other_place):
    elsewhere = household_story(
        other_place,
        number="350502-0001",
        seq=7,
        by=other_place.staff,
        station=other_place.station,
    )
    exit_household(elsewhere.household, on=years_ago(6))
    RetentionRule.objects.create(category="households_exited", region=place.county, period=10)

    retention_run()

    assert snapshot(stories["old"])["name"] != ANONYMOUS
    # The platform's rule still applies in the other county.
    assert snapshot(elsewhere)["name"] == ANONYMOUS


def test_help_requests_closed_long_ago_lose_the_requesters_details(place):
    old = help_request(place, by=place.staff, at=timezone.now() - dt.timedelta(days=4 * 366))
    new = help_request(place, by=place.staff, at=timezone.now() - dt.timedelta(days=400))

    retention_run_task()

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.phone_hash, old.close_details) == ("", "")
    case = IntakeCase.objects.get(help_request=old)
    assert (case.caller_name, case.caller_phone, case.description) == ("", "", ANONYMOUS)
    assert old.status == HelpRequest.Status.CLOSED and old.department == "medical_insurance"
    assert new.phone_hash and new.close_details
    assert IntakeCase.objects.get(help_request=new).caller_name == "路人甲"


def test_rows_of_old_crosscheck_files_go_but_the_latest_file_stays(place):
    imports = [
        CrossCheckImport.objects.create(
            imported_by=place.staff,
            file_name=f"{as_of}.xlsx",
            file_sha256="0" * 64,
            ok=True,
            source=Source.DISABILITY,
            region=place.county,
            as_of=as_of,
        )
        for as_of in (years_ago(3), years_ago(2))
    ]
    CrossCheckImport.objects.filter(pk__in=[i.pk for i in imports]).update(
        imported_at=timezone.now() - dt.timedelta(days=800)
    )
    for item in imports:
        SourceRecord.objects.create(
            crosscheck_import=item,
            source=item.source,
            region=place.village,
            person_hash="f" * 64,
            period_start=item.as_of,
            row=2,
        )

    retention_run()

    assert list(SourceRecord.objects.values_list("crosscheck_import", flat=True)) == [imports[1].pk]
    assert CrossCheckImport.objects.count() == 2


def test_a_ledger_import_refuses_an_anonymised_household(stories, place):
    retention_run()
    refill = [
        person("530428-0001", name="欧阳二明", id_number=stories["old"].head.id_number),
    ]
    # The same row for a household the schedule kept is imported: the positive control.
    kept = [
        person(
            "530428-0003",
            name="欧阳四明",
            id_number=Member.objects.get(pk=stories["recent"].head.pk).id_number,
        ),
    ]

    refused = import_ledger(xlsx(refill), filename="a.xlsx", by=place.manager)
    accepted = import_ledger(xlsx(kept), filename="b.xlsx", by=place.manager)

    assert [(error.row, error.column) for error in refused.errors] == [(2, "户编号")]
    assert "anonymised under the retention schedule" in refused.errors[0].reason
    assert Member.objects.get(pk=stories["old"].head.pk).name == ANONYMOUS
    assert accepted.ok, accepted.errors


def test_an_anonymised_households_page_still_opens(stories, place, client):
    retention_run()

    client.force_login(place.staff)
    response = client.get(reverse("registry:household-detail", args=[stories["old"].household.pk]))

    assert response.status_code == 200
    assert stories["old"].head.name not in response.content.decode()
