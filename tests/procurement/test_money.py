"""Amounts on the procurement pages read 1,450,800.00 in Chinese as in English; years do not
get a separator."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_project_list_writes_amounts_with_thousands_separators(
    client, staff, make_project, language
):
    # 36,270 hours of home care at 40 yuan: 5% of the demo county's aid-fund spending.
    make_project(name="居家照料服务", quantity="36270", unit_price="40.00")
    client.force_login(staff)
    client.cookies["django_language"] = language

    content = client.get(reverse("procurement:project-list")).content.decode()

    assert "居家照料服务" in content
    assert "1,450,800.00" in content
    assert "1450800" not in content
    assert "2,026" not in content
