"""What an anonymised household leaves in the other apps' tables: the cross-check files' rows
about its people go, the warnings' data and keys, the candidates found by the same ID number,
the offers' and deliveries' notes and the desk's cases of its callers are cleared; the rows of
a household not due stay as they were."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from bangfu.accounts.models import Organisation
from bangfu.discovery.models import (
    CandidatePerson,
    CrossCheckImport,
    Flag,
    Rule,
    Source,
    SourceRecord,
)
from bangfu.offers.models import Allocation
from bangfu.privacy.models import ANONYMOUS
from bangfu.privacy.retention import retention_run
from bangfu.procurement.models import DeliveryRecord
from bangfu.referrals import services as referrals
from bangfu.referrals.models import IntakeCase
from bangfu.registry.models import Assessment, Member, Need
from tests.factories import OfferFactory, OrganisationFactory, ProjectFactory, charity_with_staff
from tests.privacy.conftest import exit_household, household_story
from tests.privacy.test_pages import cells, signed_in, workbook_of

pytestmark = pytest.mark.usefixtures("in_english")


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def stories(place):
    """A household exited six years ago (due) and an active one, each with rows elsewhere."""
    made = {
        name: household_story(
            place, number=f"530428-{seq:04d}", seq=seq, by=place.staff, station=place.station
        )
        for seq, name in ((1, "old"), (5, "active"))
    }
    exit_household(made["old"].household, on=years_ago(6))
    return made


@pytest.fixture
def crosscheck(place):
    return CrossCheckImport.objects.create(
        imported_by=place.staff,
        file_name="disability.xlsx",
        file_sha256="0" * 64,
        ok=True,
        source=Source.DISABILITY,
        region=place.county,
        as_of=timezone.localdate(),
    )


def discovery_rows(story, crosscheck, place) -> dict:
    """A row of the disability file about the head (by member) and one found only by the
    hash, a candidate person of the child's ID number never linked, and a warning on each."""
    head = Member.objects.get(pk=story.head.pk)
    child = Member.objects.get(pk=story.child.pk)
    common = {"crosscheck_import": crosscheck, "source": Source.DISABILITY, "region": place.village}
    by_member = SourceRecord.objects.create(
        **common,
        member=head,
        person_hash=head.id_number_hash,
        period_start=timezone.localdate(),
        data={"level": "2", "certificate": "残疾证 5304281961"},
        row=2,
    )
    by_hash = SourceRecord.objects.create(
        **common,
        person_hash=child.id_number_hash,
        period_start=timezone.localdate(),
        data={"level": "3"},
        row=3,
    )
    candidate = CandidatePerson.objects.create(
        name=child.name,
        id_number=child.id_number,
        id_number_hash=child.id_number_hash,
        birth_date=child.birth_date,
        sex=child.sex,
        region=place.village,
        address="幸福路1号",
        first_import=crosscheck,
    )
    flags = [
        Flag.objects.create(
            rule=Rule.SEVERE_DISABILITY,
            key=f"{Rule.SEVERE_DISABILITY}:{record.person_hash[:32]}:2026",
            region=place.village,
            household=story.household if record.member_id else None,
            member=record.member,
            candidate=None if record.member_id else candidate,
            record=record,
            evidence={"certificate": "残疾证 5304281961"},
            fired_on=timezone.localdate(),
        )
        for record in (by_member, by_hash)
    ]
    return {"records": [by_member, by_hash], "candidate": candidate, "flags": flags}


def test_the_crosscheck_rows_warnings_and_candidates_of_its_people_are_cleared(
    stories, crosscheck, place
):
    old = discovery_rows(stories["old"], crosscheck, place)
    active = discovery_rows(stories["active"], crosscheck, place)

    (run,) = [run for run in retention_run() if run.rule.category == "households_exited"]

    assert not SourceRecord.objects.filter(pk__in=[r.pk for r in old["records"]]).exists()
    for flag in old["flags"]:
        flag.refresh_from_db()
        assert flag.evidence == {} and flag.key == f"anonymised:{flag.pk}"
        assert flag.rule == Rule.SEVERE_DISABILITY  # the statistics stay
    candidate = CandidatePerson.objects.get(pk=old["candidate"].pk)
    assert (candidate.name, candidate.id_number, candidate.address) == (ANONYMOUS, "", "")
    assert candidate.id_number_hash != stories["old"].child.id_number_hash
    assert run.counts["discovery.SourceRecord"] == 2
    assert run.counts["discovery.Flag"] == 2
    assert run.counts["discovery.CandidatePerson"] == 1
    # The active household's rows are untouched.
    assert SourceRecord.objects.filter(pk__in=[r.pk for r in active["records"]]).count() == 2
    assert all(
        Flag.objects.get(pk=flag.pk).evidence == {"certificate": "残疾证 5304281961"}
        for flag in active["flags"]
    )
    assert CandidatePerson.objects.get(pk=active["candidate"].pk).address == "幸福路1号"


def allocation_for(story, place) -> Allocation:
    charity, _user = charity_with_staff(place.county, username=f"charity_{story.need.pk}")
    offer = OfferFactory(charity=charity)
    return Allocation.objects.create(
        offer=offer,
        need=story.need,
        household=story.household,
        units=1,
        amount=Decimal("150.00"),
        allocated_by=place.staff,
        status=Allocation.Status.CANCELLED,
        cancelled_by=place.staff,
        cancelled_at=timezone.now(),
        cancel_reason="户主住院，家人王某代领",
        delivery_note="送到幸福路1号",
    )


def delivery_for(story, place, project) -> DeliveryRecord:
    return DeliveryRecord.objects.create(
        project=project,
        line=project.lines.get(),
        delivered_on=timezone.localdate(),
        quantity=Decimal("2.00"),
        household=story.household,
        note="老人卧床，需两人搬运",
        recorded_by=place.staff,
    )


def test_the_offers_and_deliveries_notes_are_cleared(stories, place):
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=place.county)
    project = ProjectFactory(region=place.county, agency=agency)
    allocations = {name: allocation_for(story, place) for name, story in stories.items()}
    deliveries = {name: delivery_for(story, place, project) for name, story in stories.items()}

    retention_run()

    old = Allocation.objects.get(pk=allocations["old"].pk)
    assert (old.cancel_reason, old.delivery_note) == ("", "")
    assert old.amount == Decimal("150.00") and old.status == Allocation.Status.CANCELLED
    delivery = DeliveryRecord.objects.get(pk=deliveries["old"].pk)
    assert delivery.note == "" and delivery.quantity == Decimal("2.00")
    assert Allocation.objects.get(pk=allocations["active"].pk).cancel_reason
    assert DeliveryRecord.objects.get(pk=deliveries["active"].pk).note


def test_the_desks_cases_of_its_callers_are_cleared_even_unlinked(stories, place):
    """A case opened for a caller by the household's phone, never linked to the household."""
    phoned = {
        name: referrals.intake_open(
            by=place.staff,
            source=IntakeCase.Source.HOTLINE,
            township=place.town,
            village=place.village,
            caller_name="王某",
            caller_phone=story.household.phone,
            description="老人摔倒，需要送医",
        )
        for name, story in stories.items()
    }
    assert all(case.household_id is None for case in phoned.values())

    retention_run()

    old = IntakeCase.objects.get(pk=phoned["old"].pk)
    assert (old.caller_name, old.caller_phone, old.caller_phone_hash) == ("", "", "")
    assert old.description == ANONYMOUS
    assert IntakeCase.objects.get(pk=phoned["active"].pk).caller_name == "王某"


def test_the_audit_log_masks_visit_summaries_need_notes_and_illness(stories):
    """From now on the log keeps these changes masked: nothing there to anonymise later."""
    story = stories["active"]
    assessment = Assessment.objects.get(household=story.household)
    assessment.summary = "独居老人，患有抑郁症"
    assessment.save()
    need = Need.objects.get(pk=story.need.pk)
    need.notes = "每周三上午上门"
    need.save()
    head = Member.objects.get(pk=story.head.pk)
    head.illness_note = "糖尿病并发症"
    head.birth_date = dt.date(1961, 7, 10)
    head.save()

    logged = " ".join(
        str(entry.changes)
        for entry in LogEntry.objects.filter(
            object_pk__in=[str(assessment.pk), str(need.pk), str(head.pk)]
        )
    )
    for secret in ("患有抑郁症", "每周三上午上门", "糖尿病并发症", "1961-07-10"):
        assert secret not in logged
    # The positive control: the change is logged, masked.
    assert LogEntry.objects.get_for_object(head).filter(changes__has_key="illness_note").exists()


def test_the_subject_access_copy_holds_the_other_departments_rows_and_candidates(
    client, stories, crosscheck, place
):
    discovery_rows(stories["active"], crosscheck, place)
    child = stories["active"].child

    response = signed_in(client, place.staff).post(
        "/staff/privacy/subject-access/", {"id_number": child.id_number, "purpose": "来信"}
    )

    book = workbook_of(response)
    records = cells(book["Other departments' records"])
    assert any('"level": "3"' in str(value) for value in records)
    assert "幸福路1号" in cells(book["Found in others' files"])
    # The head's own row (certificate 残疾证 …) is not in the child's copy.
    assert not any("残疾证" in str(value) for value in records)
