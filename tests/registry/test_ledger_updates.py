"""A ledger import updates what is registered in the importer's area: export → edit → import,
with a preview of every change, masked cells kept, status changes recorded as decisions."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.core.crypto import lookup_hash
from bangfu.registry import identity
from bangfu.registry.ledger import export_households, import_ledger
from bangfu.registry.models import (
    Household,
    HouseholdTier,
    LedgerImport,
    Member,
    PersonalStatus,
    StatusDecision,
    Tier,
)
from tests.factories import HouseholdFactory, MemberFactory, make_id_number
from tests.registry import test_ledger
from tests.registry.test_ledger import HEAD_ID, SPOUSE_ID, good_rows, person, xlsx

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.postgres]

FILE_NAME = "红光村台账-修改.xlsx"


county_manager = pytest.fixture(test_ledger.county_manager.__wrapped__, name="county_manager")
assistant = pytest.fixture(test_ledger.assistant.__wrapped__, name="assistant")


@pytest.fixture
def manager_client(client, county_manager):
    client.force_login(county_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def registered(county_manager, county_a):
    """Two households imported from a ledger: 530428-1001 (张三, 李四; 低保) and 530428-1002
    (王小明, 特困)."""
    report = import_ledger(xlsx(good_rows()), filename="first.xlsx", by=county_manager)
    assert report.ok, report.errors
    return Household.objects.order_by("registry_number")


def masked_export(households) -> tuple:
    """The masked export, opened for editing: (workbook, sheet, {header: column index})."""
    workbook = load_workbook(io.BytesIO(export_households(households)))
    sheet = workbook["台账"]
    headers = {cell.value: cell.column for cell in sheet[1]}
    return workbook, sheet, headers


def rows_of(sheet, headers, *, name_start: str = "", registry_number: str = "") -> list[int]:
    return [
        row
        for row in range(2, sheet.max_row + 1)
        if str(sheet.cell(row, headers["姓名"]).value).startswith(name_start)
        and str(sheet.cell(row, headers["户编号"]).value).startswith(registry_number)
    ]


def saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def state(households) -> list:
    """Every field the ledger carries, to show what an import left alone (the next review
    apart, which a decision may reschedule)."""
    return [
        (
            household.registry_number,
            household.address,
            household.phone,
            household.household_tier,
            household.tier,
            household.residence,
            household.financial_assets,
            household.enrolled_on,
            sorted(
                (
                    member.name,
                    member.id_number,
                    member.relation,
                    member.disability_grade,
                    member.illness_note,
                    member.monthly_income,
                    member.personal_status,
                    member.is_employed,
                )
                for member in household.members.all()
            ),
        )
        for household in households.prefetch_related("members")
    ]


def edited_export(households) -> bytes:
    """The masked export with two changes: 李四's income, and household 530428-1001's status
    (on each of its rows, as a household's columns repeat)."""
    workbook, sheet, headers = masked_export(households)
    (spouse_row,) = rows_of(sheet, headers, name_start="李")
    sheet.cell(spouse_row, headers["月收入(元)"]).value = 1500
    for row in rows_of(sheet, headers, registry_number="530428-1001"):
        sheet.cell(row, headers["救助类别"]).value = "低保边缘"
    return saved(workbook)


def test_an_edited_masked_export_previews_exactly_its_changes(county_manager, registered):
    before = state(registered)
    content = edited_export(registered)

    report = import_ledger(
        io.BytesIO(content), filename=FILE_NAME, by=county_manager, preview_updates=True
    )

    assert report.ok, report.errors
    assert report.needs_confirmation and report.dry_run
    assert report.changes == [
        {
            "household": "530428-1001",
            "member": "李*",
            "action": "update",
            "members": 0,
            "fields": [["月收入(元)", "1,250.50", "1,500.00"]],
        }
    ]
    assert report.status_changes == [
        {
            "household": "530428-1001",
            "member": "",
            "old": "minimum subsistence (低保)",
            "new": "marginal (低保边缘)",
            "proposed": False,
        }
    ]
    assert (report.households_updated, report.members_updated, report.decisions_recorded) == (
        0,
        1,
        1,
    )
    # Nothing written yet.
    assert state(registered) == before
    assert not StatusDecision.objects.filter(reference=FILE_NAME).exists()
    assert LedgerImport.objects.count() == 1  # the first import only


def test_confirming_the_preview_applies_audits_and_records_the_decision(county_manager, registered):
    before = state(registered)
    content = edited_export(registered)
    preview = import_ledger(
        io.BytesIO(content), filename=FILE_NAME, by=county_manager, preview_updates=True
    )

    report = import_ledger(
        io.BytesIO(content),
        filename=FILE_NAME,
        by=county_manager,
        preview_updates=True,
        expected_sha256=preview.file_sha256,
        expected_changes=preview.changes_sha256,
    )

    assert report.ok and not report.dry_run, report.errors
    record = LedgerImport.objects.get(pk=report.ledger_import_id)
    assert (record.members_updated, record.households_updated, record.decisions_recorded) == (
        1,
        0,
        1,
    )
    assert (record.households_created, record.members_created) == (0, 0)
    spouse = Member.objects.get(id_number_hash=lookup_hash(SPOUSE_ID))
    assert str(spouse.monthly_income) == "1500.00"
    household = spouse.household
    assert household.household_tier == HouseholdTier.MARGINAL
    assert household.tier == Tier.MARGINAL
    # Masked names, ID numbers, phones and addresses, and the blank illness details, kept.
    after = state(registered)
    expected = [list(entry) for entry in before]
    expected[0][3] = expected[0][4] = "marginal"
    expected[0][8] = sorted(
        (*m[:5], m[5] if m[0] != "李四" else spouse.monthly_income, *m[6:]) for m in expected[0][8]
    )
    assert after == [tuple(entry) for entry in expected]
    # The status change is a confirmed decision of the benefits system, named by the file.
    decision = StatusDecision.objects.get(reference=FILE_NAME)
    assert decision.state == StatusDecision.State.CONFIRMED
    assert decision.source == StatusDecision.Source.LEDGER_IMPORT
    assert decision.reference == FILE_NAME
    assert decision.ledger_import == record
    assert (decision.household, decision.member) == (household, None)
    assert (decision.from_status, decision.to_status) == ("dibao", "marginal")
    assert decision.decided_by == county_manager
    # The member's change is audited field by field, naming the import and its user.
    entry = LogEntry.objects.get_for_object(spouse).filter(action=LogEntry.Action.UPDATE).get()
    assert "monthly_income" in entry.changes_dict
    assert entry.actor == county_manager
    assert entry.additional_data == {"ledger_import": record.pk}


def test_a_confirmation_of_another_file_is_refused(county_manager, registered):
    before = state(registered)
    preview = import_ledger(
        io.BytesIO(edited_export(registered)),
        filename=FILE_NAME,
        by=county_manager,
        preview_updates=True,
    )
    workbook, sheet, headers = masked_export(registered)
    (spouse_row,) = rows_of(sheet, headers, name_start="李")
    sheet.cell(spouse_row, headers["月收入(元)"]).value = 9999

    report = import_ledger(
        io.BytesIO(saved(workbook)),
        filename=FILE_NAME,
        by=county_manager,
        preview_updates=True,
        expected_sha256=preview.file_sha256,
        expected_changes=preview.changes_sha256,
    )

    assert not report.ok
    assert "not the file you checked" in report.errors[0].reason
    assert state(registered) == before


def test_one_bad_row_writes_none_of_the_changes(county_manager, registered):
    before = state(registered)
    workbook, sheet, headers = masked_export(registered)
    (spouse_row,) = rows_of(sheet, headers, name_start="李")
    sheet.cell(spouse_row, headers["月收入(元)"]).value = 1500
    (child_row,) = rows_of(sheet, headers, name_start="王")
    sheet.cell(child_row, headers["月收入(元)"]).value = "三百"

    report = import_ledger(io.BytesIO(saved(workbook)), filename=FILE_NAME, by=county_manager)

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(child_row, "月收入(元)")]
    assert "not an amount" in report.errors[0].reason
    assert state(registered) == before
    assert not StatusDecision.objects.filter(reference=FILE_NAME).exists()
    assert not LedgerImport.objects.get(file_name=FILE_NAME).ok


def test_a_new_member_of_a_registered_household_is_added_with_their_status_as_a_decision(
    county_manager, registered
):
    newcomer = make_id_number(birth=dt.date(1940, 2, 3), seq=77)
    rows = [
        person(
            name="张老汉",
            id_number=newcomer,
            relation="父亲",
            **{"个人救助类别": "单人纳保", "家庭住址": None, "救助类别": None},
        )
    ]

    report = import_ledger(xlsx(rows), filename=FILE_NAME, by=county_manager)

    assert report.ok, report.errors
    assert (report.members_created, report.decisions_recorded) == (1, 1)
    member = Member.objects.get(id_number_hash=lookup_hash(newcomer))
    assert member.household.registry_number == "530428-1001"
    assert member.personal_status == PersonalStatus.SINGLE_DIBAO
    decision = StatusDecision.objects.get(reference=FILE_NAME)
    assert (decision.member, decision.to_status) == (member, "single_dibao")
    # The registered head, left out of the file, stays the head.
    assert member.household.members.get(relation=Member.Relation.HEAD).id_number == HEAD_ID


def test_a_person_registered_outside_the_area_is_refused_neutrally(
    county_manager, household_a, county_b
):
    elsewhere = HouseholdFactory(region=county_b[2], registry_number="350502-0001")
    stranger = MemberFactory(household=elsewhere, name="外地人")
    resident = household_a.members.get()
    row = {"户编号": "530428-0001", "姓名": "新名字", "与户主关系": "户主"}

    refused = import_ledger(
        xlsx([person(id_number=stranger.id_number, **row)]), filename="a.xlsx", by=county_manager
    )
    updated = import_ledger(
        xlsx([person(id_number=resident.id_number, **row)]), filename="b.xlsx", by=county_manager
    )

    assert [(e.row, e.column, e.reason) for e in refused.errors] == [
        (2, "身份证号", str(identity.ID_NUMBER_TO_VERIFY))
    ]
    assert "already registered" not in refused.errors[0].reason
    stranger.refresh_from_db()
    assert (stranger.name, stranger.household) == ("外地人", elsewhere)
    # The positive control: the same row naming the person registered in the area updates them.
    assert updated.ok, updated.errors
    resident.refresh_from_db()
    assert resident.name == "新名字"


def test_a_household_registered_outside_the_area_is_refused_neutrally(
    county_manager, household_a, county_b
):
    elsewhere = HouseholdFactory(region=county_b[2], registry_number="530428-0777")

    refused = import_ledger(
        xlsx([person("530428-0777", **{"家庭住址": "新地址1号"})]),
        filename="a.xlsx",
        by=county_manager,
    )
    resident = household_a.members.get()
    updated = import_ledger(
        xlsx([person("530428-0001", id_number=resident.id_number, **{"家庭住址": "新地址1号"})]),
        filename="b.xlsx",
        by=county_manager,
    )

    assert [(e.row, e.column, e.reason) for e in refused.errors] == [
        (2, "户编号", str(identity.REGISTRY_NUMBER_REFUSED))
    ]
    elsewhere.refresh_from_db()
    assert elsewhere.address != "新地址1号"
    assert updated.ok, updated.errors
    household_a.refresh_from_db()
    assert household_a.address == "新地址1号"


def test_temporary_assistance_is_no_status(county_manager, county_a):
    report = import_ledger(
        xlsx([person(**{"救助类别": "临时救助"})]), filename="a.xlsx", by=county_manager
    )

    assert [(e.row, e.column) for e in report.errors] == [(2, "救助类别")]
    assert "recorded as a grant" in report.errors[0].reason
    assert not Household.objects.exists()


def test_tekun_in_the_household_column_is_each_members_status(county_manager, county_a):
    spouse = person(name="李四", id_number=SPOUSE_ID, relation="配偶")
    rows = [person(**{"救助类别": "特困"}), {**spouse, "救助类别": "特困"}]

    report = import_ledger(xlsx(rows), filename="a.xlsx", by=county_manager)

    assert report.ok, report.errors
    household = Household.objects.get()
    assert (household.household_tier, household.tier) == (HouseholdTier.NONE, Tier.TEKUN)
    assert set(household.members.values_list("personal_status", flat=True)) == {"tekun"}


def test_tekun_in_the_household_column_contradicted_by_a_member_is_refused(
    county_manager, county_a
):
    spouse = person(name="李四", id_number=SPOUSE_ID, relation="配偶", **{"个人救助类别": "无"})
    rows = [person(**{"救助类别": "特困"}), {**spouse, "救助类别": "特困"}]

    report = import_ledger(xlsx(rows), filename="a.xlsx", by=county_manager)

    assert [(e.row, e.column) for e in report.errors] == [(3, "个人救助类别")]
    assert "特困 is a person's status" in report.errors[0].reason


def test_a_masked_cell_on_a_new_household_is_refused(county_manager, county_a):
    report = import_ledger(xlsx([person(name="张*")]), filename="a.xlsx", by=county_manager)

    assert [(e.row, e.column) for e in report.errors] == [(2, "姓名")]
    assert "masked" in report.errors[0].reason


def test_the_import_page_previews_updates_and_applies_them_once_confirmed(
    manager_client, registered
):
    content = edited_export(registered)
    url = reverse("registry:household-import")

    def upload(**data):
        file = io.BytesIO(content)
        file.name = FILE_NAME
        return manager_client.post(url, {"file": file, **data})

    preview = upload()

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Confirm and import" in page and "1,500.00" in page and "李*" in page
    assert "李四" not in page
    assert not StatusDecision.objects.filter(reference=FILE_NAME).exists()

    applied = upload(
        confirm=preview.context["report"].file_sha256,
        confirm_changes=preview.context["report"].changes_sha256,
    )

    assert applied.status_code == 200
    assert applied.context["report"].ok and not applied.context["report"].dry_run
    assert StatusDecision.objects.get(reference=FILE_NAME).reference == FILE_NAME
    assert str(Member.objects.get(id_number_hash=lookup_hash(SPOUSE_ID)).monthly_income) == (
        "1500.00"
    )


def test_the_blank_ledger_explains_its_columns_and_offers_the_coded_values(client, county_manager):
    client.force_login(county_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("registry:ledger-template"))

    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["台账"]
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    assert sheet.column_dimensions[headers["身份证号"]].number_format == "@"
    assert sheet.column_dimensions[headers["户编号"]].number_format == "@"
    dropdowns = {
        str(validation.sqref).split(":")[0].rstrip("0123456789"): validation.formula1
        for validation in sheet.data_validations.dataValidation
    }
    assert dropdowns[headers["救助类别"]] == '"低保,低保边缘,支出型困难,无"'
    assert dropdowns[headers["个人救助类别"]] == '"特困,单人纳保,无"'
    assert dropdowns[headers["城乡"]] == '"城镇,农村"'
    assert dropdowns[headers["已就业"]] == '"是,否"'
    assert headers["姓名"] not in dropdowns
    instructions = workbook["说明"]
    listed = {row[0] for row in instructions.iter_rows(values_only=True)}
    assert set(headers) <= listed
    required = {
        row[0]: row[1] for row in instructions.iter_rows(values_only=True) if row[0] in headers
    }
    assert required["身份证号"] == "yes" and required["家庭金融资产(元)"] == "no"


def test_a_ledger_saved_on_its_instructions_sheet_still_imports(county_manager, county_a):
    workbook = load_workbook(io.BytesIO(export_households(Household.objects.none())))
    sheet = workbook["台账"]
    headers = [cell.value for cell in sheet[1]]
    sheet.append([person().get(header) for header in headers])
    workbook.active = workbook.worksheets.index(workbook["说明"])

    report = import_ledger(io.BytesIO(saved(workbook)), filename="a.xlsx", by=county_manager)

    assert report.ok, report.errors
    assert report.households_created == 1


def test_members_whose_numbers_mask_alike_are_told_apart_by_name(county_manager, county_a):
    first = make_id_number(birth=dt.date(1980, 1, 1), seq=21)
    second = next(
        number
        for day in range(1, 3000)
        if (number := make_id_number(birth=dt.date(1990, 1, 1) + dt.timedelta(day), seq=21))[-4:]
        == first[-4:]
    )
    rows = [
        person(name="张大山", id_number=first),
        person(name="张小明", id_number=second, relation="子女"),
    ]
    assert import_ledger(xlsx(rows), filename="a.xlsx", by=county_manager).ok
    workbook, sheet, headers = masked_export(Household.objects.all())
    (row,) = rows_of(sheet, headers, name_start="张*明")
    assert sheet.cell(row, headers["身份证号"]).value == sheet.cell(2, headers["身份证号"]).value
    sheet.cell(row, headers["月收入(元)"]).value = 800

    report = import_ledger(io.BytesIO(saved(workbook)), filename=FILE_NAME, by=county_manager)

    assert report.ok, report.errors
    assert report.changes == [
        {
            "household": "530428-1001",
            "member": "张*明",
            "action": "update",
            "members": 0,
            "fields": [["月收入(元)", "300.00", "800.00"]],
        }
    ]
    assert str(Member.objects.get(id_number_hash=lookup_hash(second)).monthly_income) == "800.00"


def test_an_assistants_status_change_is_sent_to_the_township_and_changes_nothing(
    assistant, county_manager, registered
):
    """003: 「审核确认权下放至乡镇（街道）」: the assistant's file recommends, a manager's
    applies."""
    content = edited_export(registered)

    report = import_ledger(io.BytesIO(content), filename=FILE_NAME, by=assistant)

    assert report.ok, report.errors
    assert (report.decisions_recorded, report.decisions_proposed) == (0, 1)
    household = Household.objects.get(registry_number="530428-1001")
    assert household.household_tier == HouseholdTier.DIBAO
    proposal = StatusDecision.objects.get(reference="", ledger_import=report.ledger_import_id)
    assert proposal.state == StatusDecision.State.PROPOSED
    assert proposal.evidence["file"] == FILE_NAME
    # Positive control: the county's manager importing the same file applies it.
    proposal.delete()
    report = import_ledger(io.BytesIO(content), filename=FILE_NAME, by=county_manager)
    assert report.ok and report.decisions_recorded == 1
    household.refresh_from_db()
    assert household.household_tier == HouseholdTier.MARGINAL


def test_new_households_get_their_statuses_by_decisions_naming_the_file(county_manager):
    report = import_ledger(xlsx(good_rows()), filename="new.xlsx", by=county_manager)

    assert report.ok, report.errors
    decisions = StatusDecision.objects.filter(ledger_import=report.ledger_import_id)
    assert decisions.count() == report.decisions_recorded > 0
    assert {d.reference for d in decisions} == {"new.xlsx"}
    assert {d.state for d in decisions} == {StatusDecision.State.CONFIRMED}


def test_a_confirmation_is_refused_when_the_registry_changed_since_the_preview(
    county_manager, registered
):
    content = edited_export(registered)
    preview = import_ledger(
        io.BytesIO(content), filename=FILE_NAME, by=county_manager, preview_updates=True
    )
    Member.objects.filter(name="李四").update(monthly_income=999)

    report = import_ledger(
        io.BytesIO(content),
        filename=FILE_NAME,
        by=county_manager,
        preview_updates=True,
        expected_sha256=preview.file_sha256,
        expected_changes=preview.changes_sha256,
    )

    assert not report.ok
    assert "registry changed since your preview" in report.errors[0].reason
    assert not StatusDecision.objects.filter(reference=FILE_NAME).exists()
