"""The staff interface of the registry, through HTTP as a clerk or an assistant uses it."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from bangfu.accounts.models import Membership, Organisation
from bangfu.registry import services
from bangfu.registry.models import Household, Member, Need, ServiceCategory, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    UserFactory,
    make_id_number,
    member_of,
)

LIST_URL = reverse("registry:household-list")


def detail_url(household):
    return reverse("registry:household-detail", args=[household.pk])


@pytest.fixture
def staff_client(client, bureau_staff):
    client.force_login(bureau_staff)
    return client


@pytest.fixture
def auditor(county_a):
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    user = UserFactory(username="auditor_a")
    member_of(user, bureau, Membership.Role.AUDITOR)
    return user


@pytest.fixture
def household_b(county_b):
    _county, _town, village = county_b
    household = HouseholdFactory(region=village, registry_number="350502-0001")
    MemberFactory(household=household, name="李明亮", id_number=make_id_number(area="350502"))
    return household


def head_id(household) -> str:
    return household.members.get().id_number


# --- the list -------------------------------------------------------------------------------


def test_list_shows_only_households_in_the_users_area(staff_client, household_a, household_b):
    response = staff_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "530428-0001" in body
    assert "350502-0001" not in body
    assert "李*亮" not in body


def test_list_masks_names_and_id_numbers(staff_client, household_a):
    number = head_id(household_a)

    body = staff_client.get(LIST_URL).content.decode()

    assert "欧**明" in body
    assert "欧阳晓明" not in body
    assert number[:4] + "**********" + number[-4:] in body
    assert number not in body


def test_a_filter_narrows_the_list(staff_client, county_a, household_a):
    _county, _town, village = county_a
    HouseholdFactory(region=village, registry_number="530428-0002", tier=Tier.TEKUN)

    everything = staff_client.get(LIST_URL).content.decode()
    tekun = staff_client.get(LIST_URL, {"tier": Tier.TEKUN}).content.decode()
    by_number = staff_client.post(LIST_URL, {"q": "0001"}, follow=True).content.decode()

    assert "530428-0001" in everything and "530428-0002" in everything
    assert "530428-0002" in tekun and "530428-0001" not in tekun
    assert "530428-0001" in by_number and "530428-0002" not in by_number


def test_a_full_id_number_finds_its_household(staff_client, county_a, household_a):
    _county, _town, village = county_a
    HouseholdFactory(region=village, registry_number="530428-0002")

    body = staff_client.post(LIST_URL, {"q": head_id(household_a)}, follow=True).content.decode()

    assert "530428-0001" in body and "530428-0002" not in body


def test_region_filter_offers_only_places_in_scope_and_narrows(
    staff_client, county_a, county_b, household_a
):
    _county, town, village = county_a
    from tests.factories import RegionFactory

    other_village = RegionFactory(
        code=town.code + "202", name="村202", level=village.level, parent=town
    )
    HouseholdFactory(region=other_village, registry_number="530428-0009")

    page = staff_client.get(LIST_URL, {"region": other_village.code})
    body = page.content.decode()
    options = page.context["filter"].form.fields["region"].queryset

    assert "530428-0009" in body and "530428-0001" not in body
    assert set(options) == {town, village, other_village}
    assert county_b[2] not in options
    # a village outside the scope is refused as a choice, not silently applied
    outside = staff_client.get(LIST_URL, {"region": county_b[2].code})
    assert "region" in outside.context["filter"].form.errors


def test_review_filter_finds_overdue_households(staff_client, county_a, household_a):
    _county, _town, village = county_a
    today = timezone.localdate()
    household_a.next_review_due = today - dt.timedelta(days=3)
    household_a.save()
    HouseholdFactory(
        region=village, registry_number="530428-0002", next_review_due=today + dt.timedelta(10)
    )

    overdue = staff_client.get(LIST_URL, {"review": "overdue"}).content.decode()
    soon = staff_client.get(LIST_URL, {"review": "soon"}).content.decode()

    assert "530428-0001" in overdue and "530428-0002" not in overdue
    assert "530428-0002" in soon and "530428-0001" not in soon


def test_need_category_filter_and_priority_sort(staff_client, county_a, household_a):
    _county, _town, village = county_a
    urgent = HouseholdFactory(region=village, registry_number="530428-0002")
    MemberFactory(household=urgent)
    NeedFactory(household=household_a, priority=Decimal("20"))
    NeedFactory(household=urgent, priority=Decimal("90"))
    rehab = ServiceCategory.objects.get(code="rehabilitation")
    NeedFactory(household=urgent, category=rehab, priority=Decimal("5"))

    by_priority = staff_client.get(LIST_URL, {"sort": "-priority"}).context["households"]
    rehab_only = staff_client.get(LIST_URL, {"need_category": rehab.pk}).context["households"]

    assert [h.registry_number for h in by_priority] == ["530428-0002", "530428-0001"]
    assert [h.registry_number for h in rehab_only] == ["530428-0002"]


def test_list_is_paginated(staff_client, county_a):
    _county, _town, village = county_a
    HouseholdFactory.create_batch(30, region=village)

    first = staff_client.get(LIST_URL)
    second = staff_client.get(f"{LIST_URL}?{first.context['page_obj'].next_query}")

    assert len(first.context["households"]) == 25
    assert len(second.context["households"]) == 5


def test_dashboard_counts_within_scope(staff_client, county_a, household_a, household_b):
    _county, _town, village = county_a
    household_a.next_review_due = timezone.localdate() - dt.timedelta(days=1)
    household_a.save()
    HouseholdFactory(region=village, tier=Tier.TEKUN)
    NeedFactory(household=household_a, urgency=Need.Urgency.URGENT)
    NeedFactory(household=household_b, urgency=Need.Urgency.URGENT)
    NeedFactory(household=household_a, urgency=Need.Urgency.ROUTINE, status=Need.Status.MET)

    dashboard = staff_client.get(LIST_URL).context["dashboard"]

    assert dashboard.reviews_overdue == 1
    assert dict((v, n) for v, _label, n in dashboard.households_by_tier) == {
        Tier.TEKUN: 1,
        Tier.DIBAO: 1,
    }
    urgency = {value: n for value, _label, n in dashboard.open_needs_by_urgency}
    assert urgency[Need.Urgency.URGENT] == 1
    assert urgency[Need.Urgency.ROUTINE] == 0


def test_list_needs_a_login(client, household_a):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_household_list_is_one_click_from_home(staff_client, household_a):
    home = staff_client.get(reverse("home")).content.decode()
    assert f'href="{LIST_URL}"' in home  # home is the to-do list; the registry is in the menu

    response = staff_client.get(LIST_URL)

    assert "530428-0001" in response.content.decode()


# --- the detail page and its audit ----------------------------------------------------------


def test_detail_outside_the_scope_is_not_found(client, outsider_staff, household_a):
    client.force_login(outsider_staff)
    member = household_a.members.get()

    assert client.get(detail_url(household_a)).status_code == 404
    assert (
        client.get(reverse("registry:household-update", args=[household_a.pk])).status_code == 404
    )
    assert client.post(reverse("registry:member-update", args=[member.pk])).status_code == 404
    assert client.post(reverse("registry:member-identity", args=[member.pk])).status_code == 404


def test_viewing_a_household_is_logged_as_an_access(staff_client, bureau_staff, household_a):
    response = staff_client.get(detail_url(household_a))

    assert response.status_code == 200
    entry = LogEntry.objects.get(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Household),
        object_pk=str(household_a.pk),
    )
    assert entry.actor == bureau_staff


def test_detail_shows_needs_with_their_explained_priority(staff_client, bureau_staff, household_a):
    household_a.tier = Tier.TEKUN
    household_a.save()
    services.assessment_create(
        household=household_a,
        by=bureau_staff,
        assessed_on=timezone.localdate(),
        summary="",
        needs=[
            {
                "category": ServiceCategory.objects.get(code="care"),
                "severity": 4,
                "urgency": Need.Urgency.URGENT,
            }
        ],
    )
    need = Need.objects.get()

    body = staff_client.get(detail_url(household_a)).content.decode()

    assert need.priority > 0
    assert "照料护理" in body
    tier_points = Decimal(need.priority_components["tier"])
    assert tier_points == tier_points.to_integral_value()
    assert f"特困 {int(tier_points)}" in body
    assert "严重程度" in body


def test_detail_masks_id_numbers_until_revealed(staff_client, household_a):
    number = head_id(household_a)

    body = staff_client.get(detail_url(household_a)).content.decode()

    assert number not in body
    assert number[:4] + "**********" + number[-4:] in body
    assert "显示完整身份证号" in body


def test_revealing_an_id_number_writes_an_access_entry(staff_client, bureau_staff, household_a):
    member = household_a.members.get()

    response = staff_client.post(
        reverse("registry:member-identity", args=[member.pk]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert member.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = LogEntry.objects.get(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Member),
        object_pk=str(member.pk),
    )
    assert entry.actor == bureau_staff
    assert entry.object_repr == "欧**明"
    assert entry.additional_data["revealed"] == "id_number"


def test_an_auditor_cannot_reveal_nor_change(client, auditor, household_a):
    client.force_login(auditor)
    member = household_a.members.get()

    detail = client.get(detail_url(household_a)).content.decode()
    reveal = client.post(reverse("registry:member-identity", args=[member.pk]))
    edit = client.post(
        reverse("registry:household-update", args=[household_a.pk]), {"address": "x"}
    )

    assert "显示完整身份证号" not in detail
    assert reverse("registry:household-update", args=[household_a.pk]) not in detail
    assert reverse("registry:member-create", args=[household_a.pk]) not in detail
    assert reveal.status_code == 403
    assert edit.status_code == 403
    assert not LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, content_type=ContentType.objects.get_for_model(Member)
    ).exists()
    household_a.refresh_from_db()
    assert household_a.address != "x"


# --- create and edit through POST ----------------------------------------------------------


def member_data(**overrides):
    data = {
        "name": "王小红",
        "id_number": make_id_number(seq=321, birth=dt.date(1988, 8, 8), male=False),
        "relation": Member.Relation.SPOUSE,
        "disability": Member.Disability.NONE,
        "disability_grade": "",
        "illness": Member.Illness.NONE,
        "illness_note": "",
        "care_level": Member.CareLevel.SELF,
        "work_ability": Member.WorkAbility.FULL,
        "monthly_income": "1200.50",
    }
    data.update(overrides)
    return data


def test_registering_a_household_through_the_form(staff_client, county_a):
    _county, _town, village = county_a

    response = staff_client.post(
        reverse("registry:household-create"),
        {
            "registry_number": "530428-0100",
            "region": village.pk,
            "address": "和平路 3 号",
            "residence": "rural",
            "status": Household.Status.ACTIVE,
        },
    )

    household = Household.objects.get(registry_number="530428-0100")
    assert response.status_code == 302
    assert response["Location"] == detail_url(household)


def test_a_village_outside_the_scope_cannot_be_chosen(staff_client, county_b):
    response = staff_client.post(
        reverse("registry:household-create"),
        {
            "registry_number": "X-1",
            "region": county_b[2].pk,
            "address": "x",
            "residence": "rural",
            "status": "active",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert not Household.objects.filter(registry_number="X-1").exists()


def test_adding_a_member_stores_the_id_number_once(staff_client, household_a):
    data = member_data()

    response = staff_client.post(reverse("registry:member-create", args=[household_a.pk]), data)

    member = household_a.members.get(name="王小红")
    assert response.status_code == 302
    assert member.id_number == data["id_number"]
    assert member.birth_date == dt.date(1988, 8, 8)
    assert member.sex == Member.Sex.FEMALE
    assert member.monthly_income == Decimal("1200.50")


def test_a_bad_id_number_shows_the_error_on_its_field(staff_client, household_a):
    good = make_id_number(seq=5)
    bad = good[:17] + ("0" if good[17] != "0" else "1")

    response = staff_client.post(
        reverse("registry:member-create", args=[household_a.pk]), member_data(id_number=bad)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"]
    assert "check digit" in errors["id_number"][0] or "校验" in errors["id_number"][0]
    body = response.content.decode()
    assert 'id="id_id_number_error"' in body
    assert household_a.members.count() == 1


def test_a_person_already_registered_is_refused_on_the_id_field(staff_client, household_a):
    response = staff_client.post(
        reverse("registry:member-create", args=[household_a.pk]),
        member_data(id_number=head_id(household_a)),
    )

    assert response.status_code == 200
    assert "530428-0001" in response.context["form"].errors["id_number"][0]


def test_editing_a_member_with_a_bad_corrected_id_number(staff_client, household_a):
    member = household_a.members.get()
    data = member_data(name="欧阳晓明", relation=Member.Relation.HEAD, new_id_number="123")
    del data["id_number"]

    response = staff_client.post(reverse("registry:member-update", args=[member.pk]), data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_id_number"]
    member.refresh_from_db()
    assert member.monthly_income == Decimal("300.00")


def test_editing_a_member_keeps_the_id_number_when_left_empty(staff_client, household_a):
    member = household_a.members.get()
    number = member.id_number
    data = member_data(name="欧阳晓明", relation=Member.Relation.HEAD, new_id_number="")
    del data["id_number"]

    response = staff_client.post(reverse("registry:member-update", args=[member.pk]), data)

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.id_number == number
    assert member.monthly_income == Decimal("1200.50")


def test_a_disability_grade_without_a_type_is_an_error_on_the_grade(staff_client, household_a):
    response = staff_client.post(
        reverse("registry:member-create", args=[household_a.pk]),
        member_data(disability_grade="2"),
    )

    assert list(response.context["form"].errors) == ["disability_grade"]


def test_recording_a_visit_with_two_needs(staff_client, household_a):
    care = ServiceCategory.objects.get(code="care")
    rehab = ServiceCategory.objects.get(code="rehabilitation")
    data = {
        "assessed_on": timezone.localdate().isoformat(),
        "summary": "独居，行动不便",
        "needs-TOTAL_FORMS": "3",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "20",
        "needs-0-category": care.pk,
        "needs-0-severity": "4",
        "needs-0-urgency": Need.Urgency.URGENT,
        "needs-1-category": rehab.pk,
        "needs-1-severity": "2",
        "needs-1-urgency": Need.Urgency.ROUTINE,
        # an untouched extra row is skipped
        "needs-2-category": "",
        "needs-2-severity": "",
        "needs-2-urgency": Need.Urgency.ROUTINE,
    }

    response = staff_client.post(reverse("registry:assessment-create", args=[household_a.pk]), data)

    assert response.status_code == 302
    needs = Need.objects.filter(household=household_a)
    assert {n.category.code for n in needs} == {"care", "rehabilitation"}
    assert all(n.priority > 0 for n in needs)


def test_a_need_row_without_severity_is_an_error_on_that_row(staff_client, household_a):
    data = {
        "assessed_on": timezone.localdate().isoformat(),
        "summary": "",
        "needs-TOTAL_FORMS": "1",
        "needs-INITIAL_FORMS": "0",
        "needs-0-category": ServiceCategory.objects.get(code="care").pk,
        "needs-0-severity": "",
        "needs-0-urgency": Need.Urgency.ROUTINE,
    }

    response = staff_client.post(reverse("registry:assessment-create", args=[household_a.pk]), data)

    assert response.status_code == 200
    assert response.context["formset"].errors[0].keys() == {"severity"}
    assert not Need.objects.exists()


def test_add_another_need_row_comes_with_the_next_index(staff_client):
    response = staff_client.get(
        reverse("registry:need-form-row"), {"needs-TOTAL_FORMS": "2"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert 'name="needs-2-category"' in body
    assert 'id="id_needs-TOTAL_FORMS"' in body and 'value="3"' in body
    assert 'hx-swap-oob="true"' in body


def test_closing_a_need(staff_client, household_a):
    need = NeedFactory(household=household_a)

    response = staff_client.post(
        reverse("registry:need-update", args=[need.pk]),
        {"status": Need.Status.MET, "urgency": need.urgency, "severity": "3", "notes": "已安排"},
    )

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.MET
    assert need.closed_on == timezone.localdate()


def test_removing_a_member(staff_client, household_a):
    member = household_a.members.get()

    response = staff_client.post(reverse("registry:member-delete", args=[member.pk]))

    assert response.status_code == 302
    assert not household_a.members.exists()


# --- export and import -------------------------------------------------------------------------


def read_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [row for row in sheet.iter_rows(values_only=True) if any(row)]


def test_export_holds_exactly_the_filtered_households(staff_client, county_a, household_a):
    _county, _town, village = county_a
    tekun = HouseholdFactory(region=village, registry_number="530428-0002", tier=Tier.TEKUN)
    MemberFactory(household=tekun, name="张三")
    HouseholdFactory(region=village, registry_number="530428-0003", tier=Tier.TEKUN)

    response = staff_client.get(reverse("registry:household-export"), {"tier": Tier.TEKUN})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _stamp, header, *rows = read_rows(response.content)
    numbers = {row[0] for row in rows}
    assert numbers == {"530428-0002", "530428-0003"}
    assert "户编号" in header[0]


def test_export_masks_identities_for_an_auditor(client, auditor, household_a):
    client.force_login(auditor)
    number = head_id(household_a)

    response = client.get(reverse("registry:household-export"))

    cells = {str(cell) for row in read_rows(response.content) for cell in row if cell}
    assert "欧阳晓明" not in cells and number not in cells
    assert "欧**明" in cells
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_export_masks_identities_for_bureau_staff_too(
    staff_client, bureau_staff, county_a, household_a
):
    # An unmasked export is asked for on the export page (tests/registry/test_export_protection)
    response = staff_client.get(reverse("registry:household-export"), {"tier": Tier.DIBAO})

    cells = {str(cell) for row in read_rows(response.content) for cell in row if cell}
    assert head_id(household_a) not in cells and "欧阳晓明" not in cells
    assert "欧**明" in cells
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def ledger_file(rows: list[list]) -> io.BytesIO:
    from bangfu.registry.ledger import LEDGER_COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in LEDGER_COLUMNS])
    keys = [column.key for column in LEDGER_COLUMNS]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "ledger.xlsx"
    return buffer


def ledger_row(village, **overrides) -> dict:
    row = {
        "registry_number": "530428-0500",
        "village_code": village.code,
        "address": "新村 1 号",
        "household_tier": "低保",
        "name": "赵大山",
        "id_number": make_id_number(seq=401),
        "relation": "户主",
        "monthly_income": "500",
    }
    row.update(overrides)
    return row


def test_importing_a_bad_ledger_lists_every_bad_row_and_writes_nothing(
    staff_client, county_a, county_b
):
    _county, _town, village = county_a
    good = ledger_row(village)
    bad_id = ledger_row(village, registry_number="530428-0501", id_number="530428196005170")
    outside = ledger_row(
        county_b[2], registry_number="530428-0502", id_number=make_id_number(seq=402)
    )

    response = staff_client.post(
        reverse("registry:household-import"), {"file": ledger_file([good, bad_id, outside])}
    )

    assert response.status_code == 200
    report = response.context["report"]
    assert not report.ok
    assert {error.row for error in report.errors} >= {3, 4}
    body = response.content.decode()
    assert "没有写入" in body or "Nothing was written" in body
    assert Household.objects.count() == 0


def test_importing_a_good_ledger_reports_the_counts(staff_client, county_a):
    _county, _town, village = county_a
    spouse = ledger_row(
        village, name="钱小花", id_number=make_id_number(seq=403, male=False), relation="配偶"
    )

    response = staff_client.post(
        reverse("registry:household-import"),
        {"file": ledger_file([ledger_row(village), spouse])},
    )

    report = response.context["report"]
    assert report.ok, report.errors
    assert (report.households_created, report.members_created) == (1, 2)
    assert Member.objects.filter(household__registry_number="530428-0500").count() == 2


def test_an_auditor_cannot_import(client, auditor):
    client.force_login(auditor)

    assert client.get(reverse("registry:household-import")).status_code == 403


# --- language ----------------------------------------------------------------------------


def test_chinese_by_default_and_english_when_chosen(staff_client, household_a):
    chinese = staff_client.get(LIST_URL).content.decode()
    switched = staff_client.post(
        reverse("set_language"), {"language": "en", "next": LIST_URL}, follow=True
    )
    english = switched.content.decode()

    assert '<html lang="zh-hans">' in chinese
    assert "户籍" in chinese or "家庭" in chinese
    assert switched.redirect_chain[-1][0] == LIST_URL
    assert '<html lang="en">' in english
    assert "Households" in english


def test_a_parent_in_the_household_reads_as_a_relative(staff_client, household_a):
    MemberFactory(household=household_a, name="欧阳大山", relation=Member.Relation.PARENT)

    body = staff_client.get(detail_url(household_a)).content.decode()
    form = staff_client.get(reverse("registry:member-create", args=[household_a.pk]))

    assert "父母" in body and "上级" not in body
    assert '<option value="parent">父母</option>' in form.content.decode()
