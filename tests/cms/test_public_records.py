"""The public site reads other apps only through their public modules, which hand it plain
records: frozen, of plain values, with no model row in them and nothing of a household, a member
or a caller — though the rows behind them hold all of it."""

import ast
import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bangfu.core.masking import mask_name, mask_phone
from bangfu.offers import services as offers
from bangfu.offers.public import listed_offer_notices, offer_notice
from bangfu.procurement.models import Evaluation, Project
from bangfu.procurement.public import project_notice, project_notices
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.public_intake import public_help_request_status, public_help_request_submit
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory, make_id_number

pytestmark = pytest.mark.django_db

NAME, ID_NUMBER, PHONE = "上官秘密", make_id_number(area="530428", seq=321), "13987654321"
ADDRESS, REGISTRY_NUMBER = "秘密村99号", "YJ-SECRET-0099"
CALLER, CALLER_PHONE, STORY = "欧阳求助", "13712345678", "邻居独居老人摔伤无人照顾，请上门看看。"
MARKERS = (
    NAME,
    mask_name(NAME),
    ID_NUMBER,
    PHONE,
    mask_phone(PHONE),
    ADDRESS,
    REGISTRY_NUMBER,
    CALLER,
    CALLER_PHONE,
    STORY,
)
PLAIN = (str, int, Decimal, dt.date, type(None))  # bool is an int, a datetime a date
CMS = Path(__file__).resolve().parents[2] / "cms"
# What the site may import of the apps: the floors below everything, and one public module each.
ALLOWED = ("bangfu.core", "bangfu.regions")
PUBLIC_MODULES = (
    "bangfu.offers.public",
    "bangfu.procurement.public",
    "bangfu.referrals.public_intake",
)


def plain_values(record):
    """Every value of a record, through nested records and tuples; refuses anything else."""
    if dataclasses.is_dataclass(record):
        assert record.__dataclass_params__.frozen, f"{type(record).__name__} is not frozen"
        for field in dataclasses.fields(record):
            yield from plain_values(getattr(record, field.name))
    elif isinstance(record, tuple):
        for item in record:
            yield from plain_values(item)
    elif isinstance(record, PLAIN):
        yield record
    else:
        raise AssertionError(f"not a plain public value: {record!r}")


def personal_data_in(*records) -> list[str]:
    text = " ".join(str(value) for record in records for value in plain_values(record))
    return [marker for marker in MARKERS if marker in text]


@pytest.fixture
def household(county_a):
    household = HouseholdFactory(
        region=county_a[2], registry_number=REGISTRY_NUMBER, address=ADDRESS, phone=PHONE
    )
    MemberFactory(household=household, name=NAME, id_number=ID_NUMBER)
    return household


def test_a_project_notice_holds_the_delivery_but_nobody_it_reached(run_project, household):
    project = run_project(household=household, close=True)
    notice = project_notice(project.pk)
    assert notice.households_served == 1 and notice.lines[0].delivered == Decimal("12")
    assert notice.evaluation.grade and notice.is_closed
    assert personal_data_in(notice, *project_notices()) == []
    assert project.deliveries.get().household.members.get().name == NAME  # the row behind it
    # The check itself refuses a model row and finds a name.
    with pytest.raises(AssertionError, match="not a plain public value"):
        list(plain_values(dataclasses.replace(notice, evaluation=Evaluation.objects.get())))
    assert personal_data_in(dataclasses.replace(notice, description=f"{NAME}家")) == [NAME]


def test_a_project_has_no_notice_before_its_approval(run_project):
    project = run_project()
    Project.objects.filter(pk=project.pk).update(status=Project.Status.SUBMITTED)
    assert project_notice(project.pk) is None and project_notices() == []


def test_an_offer_notice_counts_households_reached_but_names_none(
    offer, household, hardship, bureau_staff, charity_user, today
):
    need = NeedFactory(household=household, category=hardship, notes=f"{NAME} {PHONE}")
    allocation = offers.allocation_confirm(offer=offer, need=need, by=bureau_staff)
    offers.delivery_record(
        allocation=allocation, by=charity_user, delivered_on=today, note=f"{NAME} {PHONE} 已签收"
    )
    notice = offer_notice(offer.pk)
    assert notice.delivered_households == 1 and notice.remaining_households == 9
    assert personal_data_in(notice, *listed_offer_notices()) == []


def test_an_offer_has_no_notice_unless_published(offer, bureau_staff):
    offers.charity_reject(charity=offer.charity, by=bureau_staff, reason="年检不合格")
    assert offer_notice(offer.pk) is None and listed_offer_notices() == []


def test_the_public_intake_records_hold_no_caller_details(county_a, bureau_staff):
    code = public_help_request_submit(
        name=CALLER,
        phone=CALLER_PHONE,
        township=county_a[1],
        description=STORY,
        consent=True,
    )
    status = public_help_request_status(code=code, phone=CALLER_PHONE)
    assert status.stage == "submitted" and status.code == code
    assert personal_data_in(code, status) == []
    case = IntakeCase.objects.get()  # the staff read them there
    assert (case.caller_name, case.caller_phone, case.description) == (CALLER, CALLER_PHONE, STORY)


def foreign_imports(source: str) -> list[str]:
    """Modules of the apps that a source imports, at module level or inside a function, other
    than the floors below everything and the apps' public modules."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module]
    return [
        name
        for name in names
        if name.startswith("bangfu.")
        and not name.startswith(ALLOWED)
        and name not in PUBLIC_MODULES
    ]


def test_the_site_imports_the_apps_only_through_their_public_modules():
    sources = [path for path in CMS.rglob("*.py") if "migrations" not in path.parts]
    assert len(sources) > 10
    found = {str(path): foreign_imports(path.read_text()) for path in sources}
    assert {path: names for path, names in found.items() if names} == {}
    # The check sees an import hidden in a function.
    hidden = "def f():\n    from bangfu.offers.models import Offer\n"
    assert foreign_imports(hidden) == ["bangfu.offers.models"]
