"""Importing other departments' files: people matched by ID number through the keyed hash,
strangers become candidate persons, and a file with one bad row is refused whole."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from bangfu.core import crypto
from bangfu.core.masking import mask_id_number
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Flag, Source, SourceRecord
from bangfu.registry.models import Tier
from tests.discovery.conftest import (
    MEDICAL,
    TEKUN,
    csv_upload,
    household,
    person_id,
    xlsx_upload,
)


def test_it_matches_registered_people_and_keeps_strangers_as_candidates(place, bureau):
    _home, (member,) = household(place["village"], tier=Tier.MARGINAL)
    stranger = person_id(dt.date(1980, 6, 1))
    upload = csv_upload(
        MEDICAL,
        [
            [member.id_number, member.name, "", 2026, "52000"],
            [stranger, "李四", place["village_b"].code, 2026, "1200.50"],
        ],
    )

    report = import_crosscheck(upload, source=Source.MEDICAL, filename="医保.csv", by=bureau)

    assert report.ok, report.errors
    assert (report.rows, report.matched, report.candidates_created) == (2, 1, 1)
    records = {r.row: r for r in SourceRecord.objects.all()}
    assert records[2].member == member and records[2].region == place["village"]
    assert records[2].data == {"year": 2026, "out_of_pocket": "52000.00", "total_cost": None}
    candidate = CandidatePerson.objects.get()
    assert (candidate.name, candidate.region, candidate.birth_date) == (
        "李四",
        place["village_b"],
        dt.date(1980, 6, 1),
    )
    assert records[3].candidate == candidate
    # Stored encrypted, found by the keyed hash; no record holds the clear number.
    assert candidate.id_number_hash == crypto.lookup_hash(stranger)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM discovery_candidateperson")
        (stored,) = cursor.fetchone()
    assert stranger not in stored
    assert all(stranger not in str(r.data) for r in records.values())
    audit = CrossCheckImport.objects.get()
    assert audit.ok and audit.imported_by == bureau and audit.region == place["county"]


def test_a_file_with_bad_rows_is_refused_whole(place, bureau, caplog):
    _home, (member,) = household(place["village"])
    bad_check_digit = person_id()[:-1] + ("0" if person_id()[-1] != "0" else "1")
    upload = csv_upload(
        MEDICAL,
        [
            [member.id_number, member.name, "", 2026, "52000"],  # a good row
            [bad_check_digit, "王五", place["village"].code, 2026, "100"],
            [person_id(), "赵六", place["village"].code, 2026, "一万"],
            [person_id(), "钱七", "530428999999", 2026, "100"],
            [person_id(), "孙八", "", 2026, "100"],
            [member.id_number, member.name, "", 2026, "10"],  # the same person, same year
        ],
    )

    with caplog.at_level(logging.DEBUG):
        report = import_crosscheck(upload, source=Source.MEDICAL, filename="bad.csv", by=bureau)

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "身份证号"),
        (4, "个人自付费用(元)"),
        (5, "村(社区)代码"),
        (6, "村(社区)代码"),
        (7, "身份证号"),
    ]
    assert "check digit" in report.errors[0].reason
    assert "Unknown village code 530428999999" in report.errors[2].reason
    assert "not in the registry" in report.errors[3].reason
    assert "rows 2 and 7" in report.errors[4].reason
    # Nothing was written but the record of the refusal.
    assert not SourceRecord.objects.exists()
    assert not CandidatePerson.objects.exists()
    assert not Flag.objects.exists()
    audit = CrossCheckImport.objects.get()
    assert (audit.ok, audit.error_count, audit.rows) == (False, 5, 6)
    # No ID number in the report or the log, not even the broken one.
    text = " ".join(e.reason for e in report.errors) + caplog.text
    assert bad_check_digit not in text and member.id_number not in text


def test_a_missing_column_refuses_the_file(place, bureau):
    upload = csv_upload(["身份证号", "姓名", "年度"], [[person_id(), "张三", 2026]])
    report = import_crosscheck(upload, source=Source.MEDICAL, filename="x.csv", by=bureau)
    assert [(e.row, e.column) for e in report.errors] == [(1, "个人自付费用(元)")]


def test_it_reads_gb18030_csv_and_xlsx_with_a_title_row(place, bureau):
    gb = csv_upload(
        MEDICAL, [[person_id(), "张三", place["village"].code, 2026, "100"]], encoding="gb18030"
    )
    assert import_crosscheck(gb, source=Source.MEDICAL, filename="a.csv", by=bureau).ok
    book = xlsx_upload(
        MEDICAL,
        [[person_id(), "李四", place["village"].code, 2026, 45000.5]],
        title="元江县2026年医疗费用个人自付情况",
    )
    report = import_crosscheck(book, source=Source.MEDICAL, filename="b.xlsx", by=bureau)
    assert report.ok, report.errors
    assert SourceRecord.objects.get(row=3).data["out_of_pocket"] == "45000.50"


def test_the_destitute_list_checks_birth_dates_against_the_id_number(place, bureau):
    born = dt.date(2010, 1, 5)
    upload = csv_upload(
        TEKUN,
        [
            [person_id(born), "周九", place["village"].code, "2010-01-05"],
            [person_id(born), "吴十", place["village"].code, "2010-01-06"],
        ],
    )
    report = import_crosscheck(upload, source=Source.TEKUN_LIST, filename="t.csv", by=bureau)
    assert [(e.row, e.column) for e in report.errors] == [(3, "出生日期")]
    assert "2010-01-06 differs" in report.errors[0].reason


def test_people_of_households_outside_the_files_region_are_refused(place, bureau):
    _home, (member,) = household(place["other_village"])
    upload = csv_upload(MEDICAL, [[member.id_number, member.name, "", 2026, "100"]])
    report = import_crosscheck(
        upload, source=Source.MEDICAL, filename="x.csv", by=bureau, region=place["county"]
    )
    assert report.ok  # the county covers both townships
    town_bureau_file = csv_upload(MEDICAL, [[member.id_number, member.name, "", 2025, "100"]])
    with pytest.raises(PermissionDenied):
        import_crosscheck(
            town_bureau_file,
            source=Source.MEDICAL,
            filename="y.csv",
            by=bureau,
            region=place["other_village"],
        )


def test_a_dry_run_writes_nothing(place, bureau):
    upload = csv_upload(MEDICAL, [[person_id(), "张三", place["village"].code, 2026, "50000"]])
    report = import_crosscheck(
        upload, source=Source.MEDICAL, filename="x.csv", by=bureau, dry_run=True
    )
    assert report.ok and report.candidates_created == 1
    assert not CrossCheckImport.objects.exists() and not CandidatePerson.objects.exists()


def test_only_bureau_staff_import(place, bureau, assistant, outsiders, client):
    upload = csv_upload(MEDICAL, [[person_id(), "张三", place["village"].code, 2026, "50000"]])
    with pytest.raises(PermissionDenied):
        import_crosscheck(upload, source=Source.MEDICAL, filename="x.csv", by=assistant)
    for user in [assistant, *outsiders]:
        client.force_login(user)
        assert client.get(reverse("discovery:import")).status_code == 403


def test_the_import_page_uploads_and_lists_the_errors(place, bureau, client):
    client.force_login(bureau)
    good_id, bad = person_id(), "53042819700304001"
    upload = csv_upload(
        MEDICAL,
        [
            [good_id, "张三", place["village"].code, 2026, "50000"],
            [bad, "李四", place["village"].code, 2026, "100"],
        ],
    )
    response = client.post(
        reverse("discovery:import"),
        {
            "source": Source.MEDICAL,
            "region": place["county"].pk,
            "as_of": "2026-11-01",
            "file": upload,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "must have 18 characters" in body
    assert bad not in body and good_id not in body
    assert not SourceRecord.objects.exists()

    upload = csv_upload(MEDICAL, [[good_id, "张三", place["village"].code, 2026, "50000"]])
    response = client.post(
        reverse("discovery:import"),
        {
            "source": Source.MEDICAL,
            "region": place["county"].pk,
            "as_of": "2026-11-01",
            "file": upload,
        },
    )
    assert "1 new warnings" in response.content.decode()
    assert mask_id_number(good_id) not in response.content.decode()
    assert CrossCheckImport.objects.filter(ok=True, as_of=dt.date(2026, 11, 1)).count() == 1


@pytest.mark.parametrize("upload", [csv_upload, xlsx_upload])
def test_a_name_a_spreadsheet_would_run_as_a_formula_is_refused(place, bureau, upload):
    village = place["village"].code
    rows = [
        [person_id(dt.date(1980, 6, 1)), '=HYPERLINK("http://x","y")', village, 2026, "100"],
        [person_id(dt.date(1981, 6, 1)), "@SUM(1)", village, 2026, "100"],
        [person_id(dt.date(1982, 6, 1)), "李四", village, 2026, "100"],  # a good row
    ]

    file = upload(MEDICAL, rows)
    report = import_crosscheck(file, source=Source.MEDICAL, filename=file.name, by=bureau)

    assert [(e.row, e.column) for e in report.errors] == [(2, "姓名"), (3, "姓名")]
    assert "formula" in report.errors[0].reason and "“=" in report.errors[0].reason
    assert not CandidatePerson.objects.exists()
