"""Household exports: masked for every role, unmasked only as a posted request with a purpose,
audited, stamped with the user and time, limited per day; large ones in the background."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.models import BackgroundJob
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Household, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    make_id_number,
    member_of,
)

# Messages are checked in English (the msgids); the translations are not under test.
pytestmark = pytest.mark.usefixtures("in_english")

EXPORT = reverse("registry:household-export")
PAGE = reverse("registry:household-export-page")
HEAD_ID = make_id_number(area="530428", birth=dt.date(1958, 4, 9), seq=31)
PHONE = "13812345678"
PURPOSE = "年度复核入户核对，红光村"
FORMULAS = ('=HYPERLINK("http://x","y")', "=1+1")


@pytest.fixture
def households(county_a):
    """Two dibao households (one with members named as formulas) and a tekun one."""
    _county, _town, village = county_a
    head = HouseholdFactory(
        region=village, registry_number="530428-0001", phone=PHONE, address="红光村3组15号"
    )
    MemberFactory(household=head, name="欧阳晓明", id_number=HEAD_ID)
    odd = HouseholdFactory(region=village, registry_number="530428-0002")
    for name in FORMULAS:
        MemberFactory(household=odd, name=name)
    tekun = HouseholdFactory(region=village, registry_number="530428-0003", tier=Tier.TEKUN)
    MemberFactory(household=tekun, name="张三")
    return head, odd, tekun


def _user(county_a, role: str):
    county, _town, village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    user = UserFactory(username=f"export_{role}", display_name="李科长")
    member_of(user, bureau, role, villages=[village] if role == Membership.Role.ASSISTANT else ())
    return user


@pytest.fixture
def manager(county_a):
    return _user(county_a, Membership.Role.BUREAU_MANAGER)


@pytest.fixture
def assistant(county_a):
    return _user(county_a, Membership.Role.ASSISTANT)


def set_policy(county_a, key: str, value: int) -> None:
    county, _town, _village = county_a
    PolicyValue.objects.create(key=key, region=county, year=timezone.localdate().year, value=value)


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


def cells_of(book) -> list:
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value]


def text_of(book) -> str:
    return " ".join(str(cell.value) for cell in cells_of(book))


def ledger_rows(book) -> list[tuple]:
    """The rows below the stamp row: the header, then one row per member."""
    return list(book.active.iter_rows(min_row=2, values_only=True))


def ask_unmasked(client, purpose=PURPOSE, **filters):
    return client.post(PAGE, {"unmasked": "1", "purpose": purpose, **filters})


@pytest.mark.parametrize(
    "role",
    [
        Membership.Role.BUREAU_STAFF,
        Membership.Role.BUREAU_MANAGER,
        Membership.Role.AUDITOR,
        Membership.Role.ASSISTANT,
    ],
)
def test_every_role_gets_a_masked_file_by_default(client, county_a, households, role):
    client.force_login(_user(county_a, role))

    book = workbook(client.get(EXPORT, {"unmasked": "1", "purpose": PURPOSE}))

    text = text_of(book)
    assert "欧**明" in text and f"{HEAD_ID[:4]}{'*' * 10}{HEAD_ID[-4:]}" in text
    assert "138****5678" in text and "530428-0001" in text
    for secret in (HEAD_ID, PHONE, "欧阳晓明", "红光村3组15号"):
        assert secret not in text
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_an_unmasked_export_needs_a_posted_purpose(client, manager, households):
    client.force_login(manager)

    for purpose in ("", "核对"):
        refused = ask_unmasked(client, purpose=purpose)
        assert refused.status_code == 400 and HEAD_ID not in refused.content.decode()
        assert "导出用途" in refused.content.decode() or ("的用途" in refused.content.decode())
    book = workbook(ask_unmasked(client))

    text = text_of(book)
    assert HEAD_ID in text and PHONE in text and "欧阳晓明" in text and "红光村3组15号" in text


@pytest.mark.parametrize("role", [Membership.Role.ASSISTANT, Membership.Role.AUDITOR])
def test_assistants_and_auditors_never_get_an_unmasked_export(client, county_a, households, role):
    client.force_login(_user(county_a, role))

    page = client.get(PAGE)
    refused = ask_unmasked(client)

    assert "您的角色只能导出脱敏数据。" in page.content.decode()
    assert refused.status_code == 403 and HEAD_ID not in refused.content.decode()
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_an_unmasked_export_keeps_the_filters_and_is_audited(client, manager, households):
    head, odd, _tekun = households
    client.force_login(manager)

    book = workbook(ask_unmasked(client, tier=Tier.DIBAO))

    numbers = {row[0] for row in ledger_rows(book)[1:]}
    assert numbers == {"530428-0001", "530428-0002"}
    export = LogEntry.objects.get(additional_data__export="registry.households")
    assert export.actor == manager and export.action == LogEntry.Action.ACCESS
    assert export.additional_data == {
        "export": "registry.households",
        "unmasked": True,
        "purpose": PURPOSE,
        "filters": {"tier": Tier.DIBAO},
        "households": 2,
        "rows": 3,
        "job": None,
    }
    per_household = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Household),
        additional_data__revealed="ledger_export",
    )
    assert export.cid and {(e.object_pk, e.actor, e.cid) for e in per_household} == {
        (str(head.pk), manager, export.cid),
        (str(odd.pk), manager, export.cid),
    }


def test_every_export_names_the_user_and_the_time_on_every_sheet(client, manager, households):
    client.force_login(manager)
    today = f"{timezone.localdate():%Y-%m-%d}"

    for book in (workbook(client.get(EXPORT)), workbook(ask_unmasked(client))):
        for sheet in book:
            stamp = sheet.cell(1, 1).value
            assert "李科长 (export_bureau_manager)" in stamp and today in stamp
            assert "export_bureau_manager" in sheet.oddHeader.center.text
            assert today in sheet.oddHeader.center.text
        assert book.properties.creator == "李科长 (export_bureau_manager)"
        assert f"{book.properties.created:%Y-%m-%d}" == f"{timezone.now():%Y-%m-%d}"
    assert PURPOSE in stamp and "未脱敏" in stamp


def test_unmasked_exports_are_limited_per_day_by_policy(client, county_a, manager, households):
    set_policy(county_a, "unmasked_exports_per_day", 2)
    client.force_login(manager)
    workbook(ask_unmasked(client))
    workbook(ask_unmasked(client))

    refused = ask_unmasked(client)

    assert refused.status_code == 400 and HEAD_ID not in refused.content.decode()
    assert "您今天已导出 2 次未脱敏数据" in refused.content.decode()
    assert LogEntry.objects.filter(additional_data__export="registry.households").count() == 2
    workbook(client.get(EXPORT))  # the masked export stays open


def test_a_large_export_runs_in_the_background_and_matches_a_direct_one(
    client, county_a, manager, households, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    direct = ledger_rows(workbook(ask_unmasked(client)))
    set_policy(county_a, "background_rows", 2)

    assert client.get(EXPORT)["Location"].startswith(PAGE)  # too large for the request
    with django_capture_on_commit_callbacks(execute=True):
        started = ask_unmasked(client)

    job = BackgroundJob.objects.get()
    assert started["Location"] == reverse("registry:household-export-job", args=[job.pk])
    assert HEAD_ID not in str(job.params)
    page = client.get(started["Location"]).content.decode()
    assert job.progress_total == 3 and "已处理 3 / 3 户" in page
    download = reverse("registry:household-export-download", args=[job.pk])
    assert download in page
    assert ledger_rows(workbook(client.get(download))) == direct
    downloads = LogEntry.objects.filter(additional_data__export_download="registry.households")
    assert [(e.actor, e.additional_data["job"]) for e in downloads] == [(manager, job.pk)]
    exports = LogEntry.objects.filter(additional_data__export="registry.households")
    assert sorted(e.additional_data["job"] or 0 for e in exports) == [0, job.pk]


def test_a_background_export_is_only_for_the_user_who_asked(
    client, county_a, manager, households, django_capture_on_commit_callbacks
):
    set_policy(county_a, "background_rows", 2)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {})
    job = BackgroundJob.objects.get(status=BackgroundJob.Status.DONE)
    colleague = UserFactory(username="colleague")
    member_of(colleague, manager.memberships.get().organisation, Membership.Role.BUREAU_MANAGER)

    client.force_login(colleague)
    page = client.get(reverse("registry:household-export-job", args=[job.pk]))
    file = client.get(reverse("registry:household-export-download", args=[job.pk]))

    assert page.status_code == 404 and file.status_code == 404
    client.force_login(manager)
    assert "欧**明" in text_of(
        workbook(client.get(reverse("registry:household-export-download", args=[job.pk])))
    )


def test_formula_names_come_out_as_text_masked_and_unmasked(client, manager, households):
    client.force_login(manager)

    for book, expected in (
        (workbook(client.get(EXPORT)), None),
        (workbook(ask_unmasked(client)), set(FORMULAS)),
    ):
        names = [row[7] for row in book.active.iter_rows(min_row=3) if row[7].value[0] == "="]
        assert len(names) == 2
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in names)
        if expected:
            assert {cell.value for cell in names} == expected
    assert not [cell for cell in cells_of(book) if cell.data_type == "f"]
