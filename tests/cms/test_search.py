"""Site search over projects, offers, news and policies: Chinese words found inside longer
runs of characters, English words through the category names, filters by type."""

import pytest
from wagtail.rich_text import RichText

from cms.models import NewsIndexPage, NewsPage, PolicyIndexPage, PolicyPage
from cms.services import offer_page_sync, project_pages_sync
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def news():
    page = NewsPage(
        title="县民政局提高城乡低保标准",
        slug="dibao-standard",
        intro="标准按最低工资的45%确定。",
        body=[("paragraph", RichText("<p>自明年一月起执行。</p>"))],
    )
    NewsIndexPage.objects.get().add_child(instance=page)
    return page


@pytest.fixture
def policy():
    page = PolicyPage(
        title="临时救助怎么申请",
        slug="temporary",
        summary="遇到突发困难可以申请临时救助。",
        body=[("paragraph", RichText("<p>急难情形先行救助。</p>"))],
    )
    PolicyIndexPage.objects.get().add_child(instance=page)
    return page


def titles(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_a_chinese_word_inside_a_title_is_found(client, news, policy):
    assert news.title in titles(client, "低保")
    assert news.title in titles(client, "低保标准")  # several pairs: all must match
    assert news.title in titles(client, "一月")  # from the body
    assert news.title not in titles(client, "临时救助")
    assert policy.title in titles(client, "临时救助")


def test_a_single_character_and_a_mixed_query_are_found(client, news):
    assert news.title in titles(client, "保")
    assert news.title in titles(client, "45% 工资")


def test_projects_and_offers_are_searchable_and_filterable(client, run_project, charity, news):
    project = run_project(name="困境儿童关爱服务")
    project_pages_sync()
    offer_page_sync(offer_id=OfferFactory(charity=charity, title="困境儿童助学礼包").pk)
    both = titles(client, "困境儿童")
    assert project.name in both and "困境儿童助学礼包" in both
    only_offers = titles(client, "困境儿童", type="offers")
    assert "困境儿童助学礼包" in only_offers and project.name not in only_offers
    assert "元江县阳光社会工作服务中心" in titles(client, "阳光社会工作")  # by the agency


def test_english_words_find_offers_through_their_category(en_client, charity):
    offer_page_sync(offer_id=OfferFactory(charity=charity, title="爱心大米").pk)
    assert "爱心大米" in titles(en_client, "hardship")  # 助困 is "Hardship help"
    assert "1 result" in titles(en_client, "Hardship")


def test_unpublished_pages_and_empty_queries_show_nothing(client, news):
    news.unpublish()
    assert news.title not in titles(client, "低保")
    html = titles(client, "   ")
    assert "results for" not in html and "result for" not in html
