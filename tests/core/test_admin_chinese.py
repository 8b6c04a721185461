"""The Django admin and Wagtail's admin speak Chinese: every section, model and column, including
those of third-party apps whose own catalogues have no Chinese (core/third_party_messages/)."""

import re

import pytest
from axes.models import AccessLog
from django.apps import apps
from django.conf import settings
from django.utils import translation
from wagtail.models import Page

from tests.factories import HouseholdFactory, OfferFactory, UserFactory, charity_with_staff

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def chinese(text) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_every_section_and_model_of_the_admin_index_is_named_in_chinese(root):
    html = root.get("/admin/").content.decode()
    sections = dict(re.findall(r'<a href="/admin/(\w+)/" class="section"[^>]*>(.*?)</a>', html))
    # the page was read: our apps and the third-party ones that had no Chinese are all there
    assert {"registry", "offers", "referrals", "axes", "auditlog"} <= set(sections)
    for label, heading in sections.items():
        verbose_name = apps.get_app_config(label).verbose_name
        assert heading != english(verbose_name), f"{label}: {heading}"
        assert CJK.search(heading), f"{label}: {heading}"
    models = re.findall(r'<th scope="row" id="([\w-]+)">\s*<a [^>]*>(.*?)</a>', html)
    assert len(models) > 20
    for row, name in models:
        assert CJK.search(name), f"{row}: {name}"
    for column in ("Model name", "Add link", "Change or view list link"):
        assert column not in html


# django-auditlog's admin gives this column a label it does not mark for translation.
UNMARKED = {"Correlation ID"}


@pytest.fixture
def rows(county_a):
    """A row in each changelist below: a log-in logged by axes, a household (its creation is
    audited), a charity's offer."""
    AccessLog.objects.create(
        username="root",
        ip_address="127.0.0.1",
        user_agent="Mozilla/5.0",
        http_accept="text/html",
        path_info="/accounts/login/",
    )
    county, _town, village = county_a
    HouseholdFactory(region=village)
    OfferFactory(charity=charity_with_staff(county)[0])


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/admin/axes/accesslog/", "axes.AccessLog"),
        ("/admin/auditlog/logentry/", "auditlog.LogEntry"),
        ("/admin/offers/offer/", "offers.Offer"),
    ],
)
def test_a_changelist_names_its_model_and_columns_in_chinese(root, rows, url, model):
    html = root.get(url).content.decode()
    verbose_name = apps.get_model(model)._meta.verbose_name
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert chinese(verbose_name) in heading and english(verbose_name) not in heading
    columns = re.findall(r'<th scope="col" class="[^"]*column-[^"]*">(.*?)</th>', html, re.S)
    assert len(columns) >= 3
    for column in columns:
        text = re.sub(r"<[^>]+>", "", column).strip()
        assert not text or text in UNMARKED or CJK.search(text), f"{url}: {text}"


EXPLORER = ("Date updated", "Edited by", "Has child pages", "Page type", "Exploring")


def test_wagtails_page_explorer_is_in_chinese(root):
    home = Page.objects.get(depth=2)
    html = root.get(f"/cms-admin/pages/{home.pk}/").content.decode()
    for msgid in EXPLORER:
        assert chinese(msgid) != msgid, f"{msgid!r} has no Chinese yet"
        assert msgid not in html and chinese(msgid) in html, msgid


def test_the_explorer_in_english_still_says_it_in_english(root):
    """Positive control: the texts checked above are the explorer's, not absent anyway."""
    root.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = Page.objects.get(depth=2)
    html = root.get(f"/cms-admin/pages/{home.pk}/").content.decode()
    assert all(msgid in html for msgid in EXPLORER)
