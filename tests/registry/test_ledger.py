"""The ledger (台账): all-or-nothing import of households and members, and the export back."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.crypto import lookup_hash
from bangfu.core.id_numbers import check_character
from bangfu.core.sheet_checking import RowError
from bangfu.registry.ledger import LEDGER_COLUMNS, export_households, import_ledger
from bangfu.registry.models import Household, LedgerImport, Member, Tier
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, make_id_number

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.postgres]

HEADERS = [column.header for column in LEDGER_COLUMNS]
VILLAGE_A = "530428101201"  # county_a's village
HEAD_ID = make_id_number(birth=dt.date(1958, 4, 9), seq=11)
SPOUSE_ID = make_id_number(birth=dt.date(1961, 8, 20), seq=12, male=False)
FULL_WIDTH_HEAD_ID = " ".join(HEAD_ID[i : i + 6] for i in (0, 6, 12)).translate(
    {ord(digit): ord(digit) + 0xFEE0 for digit in "0123456789"}
)


@pytest.fixture
def county_manager(county_a):
    """A bureau manager of the county: may decide a status (``decision_rights.may_confirm``), so the
    statuses an import gives are recorded as confirmed decisions."""
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    user = UserFactory(username="manager_a")
    Membership.objects.create(user=user, organisation=bureau, role=Membership.Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def assistant(county_a):
    """A village assistant (协理员) of the county's village: may import, may not decide."""
    _county, town, village = county_a
    committee = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=town)
    user = UserFactory(username="assistant_a")
    membership = Membership.objects.create(
        user=user, organisation=committee, role=Membership.Role.ASSISTANT
    )
    membership.villages.set([village])
    return user


def person(registry_number="530428-1001", name="张三", id_number=HEAD_ID, relation="户主", **cells):
    row = {
        "户编号": registry_number,
        "村(社区)代码": VILLAGE_A,
        "家庭住址": "红光村3组15号",
        "联系电话": "13812345678",
        "救助类别": "低保",
        "纳入日期": dt.datetime(2024, 3, 1),
        "下次复核日期": "2025-03-01",
        "姓名": name,
        "身份证号": id_number,
        "与户主关系": relation,
        "残疾类别": "无",
        "残疾等级": None,
        "疾病情况": "无",
        "照料等级": "自理",
        "劳动能力": "有劳动能力",
        "月收入(元)": "300",
        "收入不稳定": "否",
        "孤儿": "否",
        "事实无人抚养儿童": "否",
        "革命五老": "否",
    }
    row.update(cells)
    return row


def xlsx(rows, headers=HEADERS, title=None) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def good_rows():
    return [
        person(),
        person(name="李四", id_number=SPOUSE_ID, relation="配偶", **{"月收入(元)": 1250.5}),
        person(
            "530428-1002",
            name="王小明",
            id_number=make_id_number(birth=dt.date(2012, 1, 30), seq=13),
            **{
                "家庭住址": "红光村5组2号",
                "救助类别": "特困",
                "残疾类别": "智力",
                "残疾等级": "二级",
                "疾病情况": "慢性病",
                "疾病说明": "哮喘",
                "照料等级": "半护理",
                "劳动能力": "无劳动能力",
                "孤儿": "是",
                "月收入(元)": None,
            },
        ),
    ]


def snapshot(households):
    """Everything the ledger carries, for comparing a household list before and after."""
    result = []
    for household in households.order_by("registry_number").prefetch_related("members"):
        members = sorted(
            (
                m.name,
                m.id_number,
                m.birth_date,
                m.sex,
                m.relation,
                m.disability,
                m.disability_grade,
                m.illness,
                m.illness_note,
                m.care_level,
                m.work_ability,
                m.monthly_income,
                m.income_is_irregular,
                m.is_orphan,
                m.is_unsupported_child,
                m.is_five_elders,
            )
            for m in household.members.all()
        )
        result.append(
            (
                household.registry_number,
                household.region.code,
                household.address,
                household.phone,
                household.tier,
                household.enrolled_on,
                household.next_review_due,
                members,
            )
        )
    return result


def test_a_good_file_imports_whole(county_manager, county_a):
    content = xlsx(good_rows())
    report = import_ledger(content, filename="红光村台账.xlsx", by=county_manager)

    assert report.errors == []
    assert report.ok
    assert (report.rows, report.households_created, report.members_created) == (3, 2, 3)
    household = Household.objects.get(registry_number="530428-1001")
    assert household.region == county_a[2]
    assert household.tier == Tier.DIBAO
    assert household.enrolled_on == dt.date(2024, 3, 1)
    spouse = Member.objects.get(id_number_hash=lookup_hash(SPOUSE_ID))
    assert spouse.household == household
    assert spouse.id_number == SPOUSE_ID
    assert (spouse.birth_date, spouse.sex) == (dt.date(1961, 8, 20), Member.Sex.FEMALE)
    assert spouse.relation == Member.Relation.SPOUSE
    assert spouse.monthly_income == Decimal("1250.50")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM registry_member WHERE id = %s", [spouse.pk])
        assert SPOUSE_ID not in cursor.fetchone()[0]  # encrypted at rest
    child = Member.objects.get(name="王小明")
    assert (child.disability, child.disability_grade) == (Member.Disability.INTELLECTUAL, 2)
    assert (child.care_level, child.work_ability) == (
        Member.CareLevel.SEMI,
        Member.WorkAbility.NONE,
    )
    assert child.is_orphan and child.monthly_income == Decimal("0.00")
    assert child.illness_note == "哮喘"

    record = LedgerImport.objects.get(pk=report.ledger_import_id)
    assert record.imported_by == county_manager
    assert record.file_name == "红光村台账.xlsx"
    assert record.ok and (record.rows, record.households_created, record.members_created) == (
        3,
        2,
        3,
    )
    assert record.error_count == 0
    import hashlib

    assert record.file_sha256 == hashlib.sha256(content.getvalue()).hexdigest()


def bad_rows(existing_id: str):
    impossible_birth = "530428" + "19600230" + "123"
    not_a_number = float(make_id_number(seq=40))
    h = "530428-90{:02d}".format  # registry numbers of county_a: h(1) is 530428-9001
    return [
        person(h(1)),  # row 2: fine on its own
        person(h(1), name="李四", id_number=SPOUSE_ID, relation="配偶"),  # row 3: fine
        person(h(2), id_number=HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")),  # row 4
        person(h(3), id_number=impossible_birth + check_character(impossible_birth)),  # row 5
        person(h(4), id_number=make_id_number(seq=41), **{"村(社区)代码": "530428101999"}),
        person(h(5), id_number=make_id_number(seq=42), **{"村(社区)代码": "350502001001"}),
        person(h(6), id_number=make_id_number(seq=43), **{"月收入(元)": -5}),  # row 8
        person(h(7), id_number=make_id_number(seq=44), **{"月收入(元)": "三百"}),  # row 9
        person(h(8), id_number=make_id_number(seq=45), **{"救助类别": "五保"}),  # row 10
        person(h(9), id_number=make_id_number(seq=46)),  # row 11: fine
        person(h(9), id_number=make_id_number(seq=47), relation="邻居"),  # row 12
        person(h(10), id_number=make_id_number(seq=48), **{"残疾类别": "色盲", "残疾等级": 2}),
        person(h(11), id_number=make_id_number(seq=49), **{"残疾等级": "二级"}),  # row 14
        person(h(12), id_number=HEAD_ID),  # row 15: the person of row 2 again
        person(h(13), id_number=existing_id),  # row 16: registered in 530428-0001
        person(h(14), id_number=make_id_number(seq=50)),  # row 17
        person(h(14), id_number=make_id_number(seq=51), relation="子女", **{"家庭住址": "别处"}),
        person(h(15), id_number=make_id_number(seq=52), relation="配偶"),  # row 19: no head
        person(h(16), name=None, id_number=make_id_number(seq=53)),  # row 20
        person(h(17), id_number=make_id_number(seq=54), **{"纳入日期": "去年三月"}),  # row 21
        # row 22: a second head for a registered household
        person("530428-0001", id_number=make_id_number(seq=55)),
        person(h(19), id_number=not_a_number),  # row 23: Excel turned the ID into a number
    ]


EXPECTED_ERRORS = {
    (4, "身份证号"): "check digit",
    (5, "身份证号"): "does not exist",
    (6, "村(社区)代码"): "Unknown village code 530428101999",
    (7, "村(社区)代码"): "outside your area",
    (8, "月收入(元)"): "cannot be negative",
    (9, "月收入(元)"): "not an amount",
    (10, "救助类别"): "Unknown value “五保”",
    (12, "与户主关系"): "Unknown value “邻居”",
    (13, "残疾类别"): "Unknown value “色盲”",
    (14, "残疾等级"): "needs a disability type",
    (15, "身份证号"): "rows 2 and 15",
    (16, "身份证号"): "already registered in household 530428-0001",
    (18, "家庭住址"): "Differs from row 17",
    (19, "与户主关系"): "has no head",
    (20, "姓名"): "required",
    (21, "纳入日期"): "not a date",
    (22, "与户主关系"): "already has a registered head",
    (23, "身份证号"): "stored as a number",
}


def test_a_file_with_bad_rows_reports_every_one_and_writes_nothing(
    bureau_staff, household_a, county_b
):
    existing_id = household_a.members.get().id_number
    households, members = Household.objects.count(), Member.objects.count()

    report = import_ledger(xlsx(bad_rows(existing_id)), filename="bad.xlsx", by=bureau_staff)

    assert not report.ok
    found = {(error.row, error.column): error.reason for error in report.errors}
    assert set(found) == set(EXPECTED_ERRORS), report.errors
    for place, fragment in EXPECTED_ERRORS.items():
        assert fragment in found[place], (place, found[place])
    assert report.errors == sorted(report.errors, key=lambda e: e.row)
    assert (report.households_created, report.members_created) == (0, 0)
    # Nothing written, not even the good rows 2, 3 and 11 ...
    assert (Household.objects.count(), Member.objects.count()) == (households, members)
    assert not Household.objects.filter(registry_number__in=["530428-9001", "530428-9009"]).exists()
    # ... but the refusal is on record.
    record = LedgerImport.objects.get()
    assert not record.ok and record.error_count == len(report.errors) == len(EXPECTED_ERRORS)
    assert record.households_created == record.members_created == 0


def test_a_dry_run_checks_and_counts_but_writes_nothing(bureau_staff, county_a):
    report = import_ledger(xlsx(good_rows()), filename="a.xlsx", by=bureau_staff, dry_run=True)

    assert report.ok and report.dry_run
    assert (report.households_created, report.members_created) == (2, 3)
    assert not Household.objects.exists()
    assert not LedgerImport.objects.exists()


def _csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(
            [
                "" if row.get(h) is None else f"{row[h]:%Y-%m-%d}" if h == "纳入日期" else row[h]
                for h in HEADERS
            ]
        )
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_is_read_in_the_encodings_excel_saves(encoding, bureau_staff, county_a):
    content = io.BytesIO(_csv(good_rows()).encode(encoding))

    report = import_ledger(content, filename="台账.csv", by=bureau_staff)

    assert report.ok, report.errors
    assert report.members_created == 3
    head = Member.objects.get(id_number_hash=lookup_hash(HEAD_ID))
    assert head.name == "张三"
    assert head.household.address == "红光村3组15号"
    assert head.household.enrolled_on == dt.date(2024, 3, 1)
    assert Member.objects.get(name="王小明").disability_grade == 2


def test_a_village_outside_the_importers_scope_is_refused(outsider_staff, county_a):
    report = import_ledger(xlsx(good_rows()), filename="a.xlsx", by=outsider_staff)

    assert not report.ok
    assert {(e.row, e.column) for e in report.errors} == {(2, "村(社区)代码"), (4, "村(社区)代码")}
    assert "outside your area" in report.errors[0].reason
    assert not Household.objects.exists()


def test_an_assistant_imports_only_into_their_own_villages(county_a):
    _county, town, village = county_a
    other_village = RegionFactory(
        code="530428101202", name="村202", level=village.level, parent=town
    )
    committee = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=town)
    assistant = UserFactory(username="assistant_a")
    membership = Membership.objects.create(
        user=assistant, organisation=committee, role=Membership.Role.ASSISTANT
    )
    membership.villages.set([village])
    rows = good_rows()
    rows[2]["村(社区)代码"] = other_village.code

    report = import_ledger(xlsx(rows), filename="a.xlsx", by=assistant)

    assert [(e.row, e.column) for e in report.errors] == [(4, "村(社区)代码")]
    assert not Household.objects.exists()


def test_a_role_that_cannot_change_the_registry_cannot_import(county_a):
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    auditor = UserFactory(username="auditor_a")
    Membership.objects.create(user=auditor, organisation=bureau, role=Membership.Role.AUDITOR)

    with pytest.raises(PermissionDenied):
        import_ledger(xlsx(good_rows()), filename="a.xlsx", by=auditor)
    assert not Household.objects.exists() and not LedgerImport.objects.exists()


def test_export_reimports_into_an_empty_registry(bureau_staff, county_a):
    assert import_ledger(xlsx(good_rows()), filename="a.xlsx", by=bureau_staff).ok
    scoped = Household.objects.for_user(bureau_staff)
    before = snapshot(scoped)

    content = export_households(scoped, reveal_identity=True)
    Household.objects.all().delete()
    report = import_ledger(io.BytesIO(content), filename="export.xlsx", by=bureau_staff)

    assert report.ok, report.errors
    assert (report.households_created, report.members_created) == (2, 3)
    assert snapshot(Household.objects.for_user(bureau_staff)) == before


def test_export_is_a_ledger_with_frozen_header_and_set_widths(bureau_staff, county_a):
    import_ledger(xlsx(good_rows()), filename="a.xlsx", by=bureau_staff)

    sheet = load_workbook(io.BytesIO(export_households(Household.objects.all()))).active

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    id_column = get_column_letter(HEADERS.index("身份证号") + 1)
    assert sheet.column_dimensions[id_column].width == 21
    assert sheet.max_row == 4
    head_row = [cell.value for cell in sheet[2]]
    assert head_row[HEADERS.index("与户主关系")] == "户主"  # the head comes first
    assert sheet.cell(2, HEADERS.index("身份证号") + 1).number_format == "@"


def test_export_masks_personal_data_by_default(bureau_staff, county_a):
    import_ledger(xlsx(good_rows()), filename="a.xlsx", by=bureau_staff)

    content = export_households(Household.objects.all())

    sheet = load_workbook(io.BytesIO(content)).active
    rows = [
        dict(zip(HEADERS, values, strict=True)) for values in sheet.iter_rows(2, values_only=True)
    ]
    head = next(row for row in rows if row["姓名"].startswith("张"))
    assert head["姓名"] == "张*"
    assert head["身份证号"] == HEAD_ID[:4] + "*" * 10 + HEAD_ID[-4:]
    assert head["联系电话"] == "138****5678"
    assert head["家庭住址"] == "红光村*组**号"
    child = next(row for row in rows if row["姓名"].startswith("王"))
    assert child["姓名"] == "王*明"
    assert child["疾病说明"] in (None, "")
    every_cell = " ".join(str(value) for row in rows for value in row.values())
    for secret in (HEAD_ID, SPOUSE_ID, "13812345678", "李四", "哮喘"):
        assert secret not in every_cell


def test_export_takes_a_fixed_number_of_queries(bureau_staff, county_a, django_assert_num_queries):
    import_ledger(xlsx(good_rows()), filename="a.xlsx", by=bureau_staff)
    queryset = Household.objects.all()

    with django_assert_num_queries(2):  # households with their villages, then all members
        export_households(queryset, reveal_identity=True)


def test_a_title_row_unknown_columns_and_merged_household_cells_are_understood(
    bureau_staff, county_a
):
    rows = good_rows()
    for header in ("家庭住址", "联系电话", "救助类别", "纳入日期", "村(社区)代码"):
        rows[1][header] = None  # as a merged cell reads below its first row
    headers = ["序号", *HEADERS]
    for number, row in enumerate(rows, start=1):
        row["序号"] = number

    report = import_ledger(
        xlsx(rows, headers=headers, title="元江县红光村低保台账"),
        filename="a.xlsx",
        by=bureau_staff,
    )

    assert report.ok, report.errors
    assert report.ignored_columns == ["序号"]
    spouse = Member.objects.get(id_number_hash=lookup_hash(SPOUSE_ID))
    assert spouse.household.registry_number == "530428-1001"
    assert spouse.household.members.count() == 2


def test_english_headers_are_accepted_and_a_missing_column_is_named(bureau_staff, county_a):
    english = {column.header: column.aliases[0] for column in LEDGER_COLUMNS}
    rows = [{english[h]: v for h, v in row.items()} for row in good_rows()]

    assert import_ledger(
        xlsx(rows, headers=[english[h] for h in HEADERS]), filename="a.xlsx", by=bureau_staff
    ).ok
    without_id = [h for h in HEADERS if h != "身份证号"]
    report = import_ledger(xlsx(good_rows(), headers=without_id), filename="b", by=bureau_staff)
    assert report.errors == [RowError(1, "身份证号", report.errors[0].reason)]
    assert "missing" in report.errors[0].reason


def test_a_file_that_is_no_ledger_is_refused_as_a_whole(bureau_staff, county_a):
    report = import_ledger(io.BytesIO(b"\xd0\xcf\x11\xe0old"), filename="a.xls", by=bureau_staff)

    assert [(e.row, e.column) for e in report.errors] == [(0, "")]
    assert ".xlsx" in report.errors[0].reason


def test_the_blank_ledger_has_the_headers_and_imports_as_no_rows(bureau_staff, county_a):
    blank = export_households(Household.objects.none())

    assert [c.value for c in load_workbook(io.BytesIO(blank)).active[1]] == HEADERS
    report = import_ledger(io.BytesIO(blank), filename="blank.xlsx", by=bureau_staff)
    assert [(e.row, e.column) for e in report.errors] == [(2, "")]
    assert "no rows" in report.errors[0].reason


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"纳入日期": "2024/3/1"}, {"enrolled_on": dt.date(2024, 3, 1)}),
        ({"纳入日期": "2024年3月1日"}, {"enrolled_on": dt.date(2024, 3, 1)}),
        ({"纳入日期": 45352}, {"enrolled_on": dt.date(2024, 3, 1)}),  # an Excel day number
        ({"月收入(元)": "1,200.50元"}, {"monthly_income": Decimal("1200.50")}),
        (
            {"残疾类别": "肢体残疾", "残疾等级": "3级"},
            {"disability": "physical", "disability_grade": 3},
        ),
        (
            {"与户主关系": "本人", "孤儿": "√", "革命五老": "是"},
            {"is_orphan": True, "is_five_elders": True},
        ),
        (
            {"救助类别": "低保户", "联系电话": 13812345678},
            {"tier": "dibao", "phone": "13812345678"},
        ),
        ({"身份证号": FULL_WIDTH_HEAD_ID}, {"id_number": HEAD_ID}),  # typed with a Chinese IME
    ],
)
def test_cells_written_the_ways_clerks_write_them_are_understood(
    cells, expected, county_manager, county_a
):
    report = import_ledger(xlsx([person(**cells)]), filename="a.xlsx", by=county_manager)

    assert report.ok, report.errors
    member = Member.objects.select_related("household").get()
    for name, value in expected.items():
        target = member.household if hasattr(Household, name) else member
        assert getattr(target, name) == value


def test_the_command_imports_and_fails_loudly_on_errors(bureau_staff, county_a, tmp_path):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx(good_rows()).getvalue())
    rows = good_rows()
    rows[0]["救助类别"] = "五保"
    bad.write_bytes(xlsx(rows).getvalue())
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 errors"):
        call_command("import_ledger", str(bad), "--as", "bureau_a", stdout=out)
    assert "Row 2, 救助类别" in out.getvalue()
    call_command("import_ledger", str(good), "--as", "bureau_a", "--dry-run", stdout=out)
    assert not Household.objects.exists()
    call_command("import_ledger", str(good), "--as", "bureau_a", stdout=out)
    assert Member.objects.count() == 3
