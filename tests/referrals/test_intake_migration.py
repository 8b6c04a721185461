"""Migration referrals 0008 moves the caller out of the description of the cases the old help
form opened ("在线求助 <code>\\n姓名：…\\n电话：…\\n\\n<story>", or the same in English): the name
and phone go to the caller's fields (the phone with its hash), the description keeps its title
and the story. Other cases are left as they were; reversed, the lines go back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bangfu.core.phones import phone_lookup_hash
from bangfu.referrals.models import IntakeCase
from tests.factories import UserFactory
from tests.migrating import ON_POSTGRESQL, migrate

BEFORE = [("referrals", "0007_filing_notices")]
PHONE, NAME = "13912340001", "慕容求助"
STORY = "家中老人卧床，无人照料。"
CHINESE = f"在线求助 K7QM-3XPA\n姓名：{NAME}\n电话：{PHONE}\n\n{STORY}"
ENGLISH = "Online help request P3XW-9KQM\nName: 李四\nPhone: 08776012345\n\nNeeds a carer."
# Written by hand at the desk (a hotline call) or in another layout: not the form's lines.
HOTLINE = f"来电求助\n姓名：{NAME}\n电话：{PHONE}\n\n{STORY}"
OTHER_LAYOUT = "网上求助 K7QM-3XPA"

pytestmark = ON_POSTGRESQL


@pytest.mark.long
def test_the_old_forms_caller_moves_out_of_the_description_into_the_callers_fields(
    committed, county_a
):
    _county, town, _village = county_a
    clerk = UserFactory(username="clerk")
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    OldCase = old.get_model("referrals", "IntakeCase")
    ids = {
        text: OldCase.objects.create(
            source=source, region_id=town.pk, description=text, opened_by_id=clerk.pk
        ).pk
        for source, text in (
            ("public_form", CHINESE),
            ("public_form", ENGLISH),
            ("hotline", HOTLINE),
            ("public_form", OTHER_LAYOUT),
        )
    }

    leaves = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    chinese = IntakeCase.objects.get(pk=ids[CHINESE])
    assert (chinese.caller_name, chinese.caller_phone) == (NAME, PHONE)
    assert chinese.caller_phone_hash == phone_lookup_hash(PHONE)
    assert chinese.description == f"在线求助 K7QM-3XPA\n\n{STORY}"
    assert (chinese.masked_caller_name, chinese.masked_caller_phone) == ("慕**助", "139****0001")
    english = IntakeCase.objects.get(pk=ids[ENGLISH])
    assert (english.caller_name, english.caller_phone) == ("李四", "08776012345")
    assert english.caller_phone_hash == phone_lookup_hash("0877-6012345")
    assert english.description == "Online help request P3XW-9KQM\n\nNeeds a carer."
    for untouched in (HOTLINE, OTHER_LAYOUT):
        case = IntakeCase.objects.get(pk=ids[untouched])
        assert (case.caller_name, case.caller_phone, case.caller_phone_hash) == ("", "", "")
        assert case.description == untouched

    back = migrate(BEFORE).loader.project_state(BEFORE).apps
    restored = back.get_model("referrals", "IntakeCase").objects.in_bulk(list(ids.values()))
    assert {text: restored[pk].description for text, pk in ids.items()} == {
        text: text for text in ids
    }
    migrate(leaves.loader.graph.leaf_nodes())
    assert IntakeCase.objects.get(pk=ids[CHINESE]).caller_name == NAME
