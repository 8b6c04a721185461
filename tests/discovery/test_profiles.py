"""Every department's file has a blank template to download and a page specifying its columns,
linked from the import page; a filled-in template imports as it is."""

import io

import openpyxl
import pytest
from django.urls import reverse

from bangfu.core.spreadsheets import INSTRUCTIONS_TITLE
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import Flag, Rule, Source
from bangfu.discovery.profiles import PROFILES
from tests.discovery.conftest import TODAY, person_id


def download(client, source):
    response = client.get(reverse("discovery:import-template", args=[source]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("source", Source.values)
def test_each_profile_has_a_blank_template_with_its_headers_and_instructions(
    client, bureau, source
):
    client.force_login(bureau)
    book = download(client, source)
    sheet = book.worksheets[0]
    profile = PROFILES[source]
    assert [cell.value for cell in sheet[1]] == [field.header for field in profile.fields]
    assert sheet.max_row == 1  # headers only: no sample row to import by mistake
    # The ID number column is a text column, so Excel keeps all 18 digits.
    assert sheet.column_dimensions["A"].number_format == "@"
    guide = book[INSTRUCTIONS_TITLE]
    columns = [row[0] for row in guide.iter_rows(values_only=True)]
    assert all(field.header in columns for field in profile.fields)


def test_coded_columns_have_a_dropdown_and_the_instructions_name_the_values(client, bureau):
    client.force_login(bureau)
    book = download(client, Source.DISABILITY)
    sheet = book.worksheets[0]
    (validation,) = sheet.data_validations.dataValidation
    assert str(validation.sqref).startswith("D2")  # 残疾类别
    assert "肢体" in validation.formula1 and "智力" in validation.formula1
    rows = {row[0]: row for row in book[INSTRUCTIONS_TITLE].iter_rows(values_only=True)}
    assert rows["身份证号"][1] == "yes" and rows["村(社区)代码"][1] == "no"
    assert "肢体" in rows["残疾类别"][2]
    assert rows["身份证号"][3] == "530428197003040011"


def test_a_filled_in_template_imports(client, bureau, place):
    client.force_login(bureau)
    book = download(client, Source.DISABILITY)
    sheet = book.worksheets[0]
    number = person_id()
    sheet.append([number, "张三", place["village"].code, "肢体", "一级", TODAY])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    report = import_crosscheck(upload, source=Source.DISABILITY, filename="残联.xlsx", by=bureau)
    assert report.ok, report.errors
    assert Flag.objects.get().rule == Rule.SEVERE_DISABILITY


def test_the_column_specification_page(client, bureau):
    client.force_login(bureau)
    page = client.get(reverse("discovery:import-columns", args=[Source.VEHICLES]))
    assert page.status_code == 200
    text = page.content.decode()
    for field in PROFILES[Source.VEHICLES].fields:
        assert field.header in text
    assert "车牌号" in text  # a header also accepted
    assert "Only rows about people in the registry are kept" in text
    assert reverse("discovery:import-template", args=[Source.VEHICLES]) in text


def test_the_import_page_links_every_template_and_specification(client, bureau):
    client.force_login(bureau)
    text = client.get(reverse("discovery:import")).content.decode()
    for source in Source.values:
        assert reverse("discovery:import-template", args=[source]) in text
        assert reverse("discovery:import-columns", args=[source]) in text


def test_templates_are_for_those_who_import(client, bureau, assistant):
    for user, status in ((assistant, 403), (bureau, 200)):
        client.force_login(user)
        for name in ("discovery:import-template", "discovery:import-columns"):
            assert client.get(reverse(name, args=[Source.MEDICAL])).status_code == status
    assert client.get(reverse("discovery:import-columns", args=["nothing"])).status_code == 404


@pytest.mark.parametrize("source", Source.values)
def test_every_example_the_instructions_give_is_a_value_the_import_accepts(source):
    examples = [field for field in PROFILES[source].fields if field.example]
    assert examples
    for field in examples:
        assert field.read(field.example) not in (None, ""), (field.key, field.example)
