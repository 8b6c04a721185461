"""A cross-check file that brings in people outside the registry audits each of them, tied to
the file's import record, as a person entered by hand would be."""

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Source
from tests.discovery.conftest import MEDICAL, csv_upload, household, person_id


def test_each_candidate_person_created_gets_its_own_entry(place, bureau):
    _home, (member,) = household(place["village"])
    strangers = [
        (person_id(dt.date(1980, 6, 1)), "李四"),
        (person_id(dt.date(1975, 2, 9), male=False), "王秀兰"),
    ]
    upload = csv_upload(
        MEDICAL,
        [
            [member.id_number, member.name, "", 2026, "52000"],
            *(
                [number, name, place["village_b"].code, 2026, "1200.50"]
                for number, name in strangers
            ),
        ],
    )

    report = import_crosscheck(upload, source=Source.MEDICAL, filename="医保.csv", by=bureau)

    assert report.ok, report.errors
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.CREATE,
        content_type=ContentType.objects.get_for_model(CandidatePerson),
    )
    assert {e.object_id for e in entries} == set(
        CandidatePerson.objects.values_list("pk", flat=True)
    )
    assert len(entries) == 2  # the registered member is matched, not created
    record = CrossCheckImport.objects.get()
    assert all(e.additional_data == {"crosscheck_import": record.pk} for e in entries)
    assert all(e.actor == bureau for e in entries)
    logged = " ".join(f"{e.object_repr} {e.changes}" for e in entries)
    assert all(number not in logged and name not in logged for number, name in strangers)
