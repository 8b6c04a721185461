"""Finding people across areas: a cross-check file and a verification visit reveal nothing about
people registered in another county, and every such refusal is on record."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from bangfu.core import crypto
from bangfu.core.id_numbers import parse_id_number
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Flag, Rule, Source, Task
from bangfu.discovery.services import Recommendation, Registration, task_complete
from bangfu.registry.identity import AUDIT_KEY, ID_NUMBER_TO_VERIFY
from bangfu.registry.models import Coverage, Household
from tests.discovery.conftest import DISABILITY, MEDICAL, csv_upload, household, person_id
from tests.factories import HouseholdFactory, MemberFactory, region_chain

pytestmark = pytest.mark.postgres


@pytest.fixture
def neighbour_village(place):
    """A village of county 530402, in the same city as the place's county 530428."""
    *_above, _county, _town, village = region_chain("530402", "001", "001")
    return village


def refused(user, source: str):
    return LogEntry.objects.filter(actor=user, additional_data__has_key=AUDIT_KEY).filter(
        additional_data__identity_refused=source
    )


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "import"])
def test_a_crosscheck_row_about_someone_of_another_county_names_nothing(
    dry_run, place, bureau, neighbour_village
):
    elsewhere = HouseholdFactory(region=neighbour_village, registry_number="530402-0009")
    member = MemberFactory(household=elsewhere, name="司马邻县", id_number=person_id())
    first = CrossCheckImport.objects.create(
        source=Source.MEDICAL,
        region=neighbour_village.parent.parent,
        as_of=dt.date(2026, 10, 1),
        imported_by=bureau,
        ok=True,
    )
    stranger = person_id()
    candidate = CandidatePerson.objects.create(
        name="东方邻县",
        id_number=stranger,
        id_number_hash=crypto.lookup_hash(stranger),
        birth_date=parse_id_number(stranger).birth_date,
        sex=parse_id_number(stranger).sex,
        region=neighbour_village,
        first_import=first,
    )
    _home, (ours,) = household(place["village"])
    upload = csv_upload(
        MEDICAL,
        [
            [member.id_number, member.name, "", 2026, "9000"],
            [stranger, candidate.name, "", 2026, "9000"],
            [ours.id_number, ours.name, "", 2026, "9000"],  # the county's own: matched
        ],
    )

    report = import_crosscheck(
        upload, source=Source.MEDICAL, filename="医保.csv", by=bureau, dry_run=dry_run
    )

    assert [(error.row, error.reason) for error in report.errors] == [
        (2, str(ID_NUMBER_TO_VERIFY)),
        (3, str(ID_NUMBER_TO_VERIFY)),
    ]
    source = "crosscheck_dry_run" if dry_run else "crosscheck_import"
    assert {entry.object_pk for entry in refused(bureau, source)} == {
        str(member.pk),
        str(candidate.pk),
    }
    # Not a registration: nobody was registered twice.
    assert not Flag.objects.filter(rule=Rule.DUPLICATE_REGISTRATION).exists()


def test_registering_a_candidate_registered_meanwhile_in_another_county_is_refused_on_record(
    place, bureau, assistant, neighbour_village
):
    number = person_id(dt.date(1958, 7, 9))
    upload = csv_upload(
        DISABILITY, [[number, "欧阳晓明", place["village"].code, "肢体", "一级", "2026-10-02"]]
    )
    assert import_crosscheck(upload, source=Source.DISABILITY, filename="残联.csv", by=bureau).ok
    task = Task.objects.get()
    elsewhere = HouseholdFactory(region=neighbour_village, registry_number="530402-0010")
    MemberFactory(household=elsewhere, id_number=number)

    with pytest.raises(ValidationError) as refusal:
        task_complete(
            task=task,
            by=assistant,
            outcome="recommended",
            recommendation=Recommendation(kind="enrol", to_status=Coverage.DIBAO),
            registration=Registration(registry_number="530428-90002", address="村201 3组8号"),
        )

    assert refusal.value.message_dict == {"id_number": [str(ID_NUMBER_TO_VERIFY)]}
    assert not Household.objects.filter(registry_number="530428-90002").exists()
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    # The visit's transaction rolled back; the refusal and the city's warning did not.
    assert refused(assistant, "visit").count() == 1
    warning = Flag.objects.get(rule=Rule.DUPLICATE_REGISTRATION)
    assert warning.household == elsewhere and warning.evidence["attempt"] == "530428-90002"
    assert warning.region == place["county"].parent
