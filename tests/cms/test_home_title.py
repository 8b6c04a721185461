"""The browser's title bar: the home page is named once, other pages add the site's name."""

import re

import pytest

from cms.models import HomePage, NewsIndexPage

pytestmark = pytest.mark.django_db


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_the_home_page_title_names_the_site_once(client):
    home = HomePage.objects.get()
    html = client.get(home.url).content.decode()
    assert title_of(html) == home.title == "帮扶 · 社会救助服务平台"
    assert html.count(f"<h1>{home.title}</h1>") == 1


def test_the_editors_seo_title_replaces_it(client):
    home = HomePage.objects.get()
    home.seo_title = "元江县社会救助服务平台"
    home.save_revision().publish()
    assert title_of(client.get(home.url).content.decode()) == "元江县社会救助服务平台"


def test_a_section_page_adds_the_site_name_after_its_own(client):
    news = NewsIndexPage.objects.get()
    title = title_of(client.get(news.url).content.decode())
    assert title == "新闻动态 · 帮扶 · 社会救助服务平台"
