"""Public pages from the shared cache (bangfu.core.public_cache): a second anonymous visit costs
no query, a page follows its source once the change commits, and nothing of a logged-in user,
a form or a message is kept or served from the cache."""

import pytest
from django.conf import settings
from django.test import Client
from wagtail.rich_text import RichText

from cms.models import NewsIndexPage, NewsPage, ProjectPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a page (new, or a new revision of it) as an editor does: committed."""

    def publish_page(page):
        with django_capture_on_commit_callbacks(execute=True):
            if page.pk is None:
                NewsIndexPage.objects.get().add_child(instance=page)
            page.save_revision().publish()
        return page

    return publish_page


@pytest.fixture
def news(publish):
    return publish(
        NewsPage(
            title="县民政局提高城乡低保标准",
            slug="dibao-standard",
            intro="标准按最低工资的45%确定。",
            body=[("paragraph", RichText("<p>自明年一月起执行。</p>"))],
        )
    )


def retitle_behind_the_cache(page, title: str) -> None:
    """Change the page's title without any signal: only an uncached answer can show it."""
    NewsPage.objects.filter(pk=page.pk).update(title=title)


def test_the_second_anonymous_visit_is_served_without_a_query(
    client, news, django_assert_num_queries
):
    first = client.get(news.url)
    assert first.status_code == 200 and news.title in first.content.decode()
    with django_assert_num_queries(0):
        second = client.get(news.url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Language"] == first["Content-Language"] == "zh-hans"
    assert not second.cookies and "csrfmiddlewaretoken" not in second.content.decode()


def test_the_home_page_is_cached_too(client, django_assert_num_queries):
    first = client.get("/")
    with django_assert_num_queries(0):
        assert client.get("/").content == first.content


def test_a_new_revision_of_a_page_shows_once_published(client, news, publish):
    client.get(news.url)
    client.get("/news/")
    news.title = "低保标准再次提高"
    publish(news)
    assert "低保标准再次提高" in client.get(news.url).content.decode()
    assert "低保标准再次提高" in client.get("/news/").content.decode()


def test_a_change_that_is_not_committed_leaves_the_cached_page(client, news):
    # The positive control of the test above: the page is kept, and only a commit bumps it.
    client.get(news.url)
    news.title = "尚未发布的标题"
    news.save_revision().publish()  # inside the test's transaction, never committed
    assert "尚未发布的标题" not in client.get(news.url).content.decode()


def test_an_unpublished_page_leaves_the_cache(client, news, django_capture_on_commit_callbacks):
    assert client.get(news.url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        news.unpublish()
    assert client.get(news.url).status_code == 404


def test_approving_a_project_puts_it_on_the_cached_pages(
    run_project, client, django_capture_on_commit_callbacks
):
    assert "困境儿童关爱服务" not in client.get("/projects/").content.decode()
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        run_project(name="困境儿童关爱服务")
    page = ProjectPage.objects.get()
    assert page.url in client.get("/projects/").content.decode()
    assert "困境儿童关爱服务" in client.get(page.url).content.decode()


def test_a_project_changed_changes_its_cached_notice(
    run_project, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        project = run_project(name="困境儿童关爱服务")
    url = ProjectPage.objects.get().url
    assert "为分散供养特困老人提供上门照料。" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        project.description = "为留守儿童提供课后照料。"
        project.save(update_fields=["description"])
    assert "为留守儿童提供课后照料。" in client.get(url).content.decode()


def test_a_logged_in_user_is_neither_served_from_the_cache_nor_cached(
    client, news, django_user_model
):
    editor = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-editor-1")
    staff = Client()
    staff.force_login(editor)
    # An anonymous visit is kept: the page changed behind the cache is still the old one.
    client.get(news.url)
    retitle_behind_the_cache(news, "编辑看到的新标题")
    assert "编辑看到的新标题" not in client.get(news.url).content.decode()
    # The editor is not served the kept page ...
    assert "编辑看到的新标题" in staff.get(news.url).content.decode()
    # ... and what the editor was served is not kept for anyone.
    assert "编辑看到的新标题" in staff.get("/news/").content.decode()
    retitle_behind_the_cache(news, "匿名访客看到的标题")
    assert "匿名访客看到的标题" in Client().get("/news/").content.decode()


def test_the_help_form_is_never_cached(client, news):
    first = client.get("/help/")
    assert first.status_code == 200 and "csrfmiddlewaretoken" in first.content.decode()
    assert "no-cache" in first["Cache-Control"]
    # Each visitor's form is built for them: its token comes with the cookie it matches, which
    # an answer from the cache never sets (positive control: the cached news page sets none).
    assert "csrftoken" in Client().get("/help/").cookies
    client.get(news.url)
    cached = Client().get(news.url)
    assert cached.status_code == 200 and not cached.cookies


def test_a_visitor_with_a_message_waiting_gets_the_page_built_for_them(client, news):
    client.get(news.url)
    retitle_behind_the_cache(news, "带消息的访客")
    # The help status page sends a visitor without a code on with a message.
    client.get("/help/received/")
    page = client.get(news.url).content.decode()
    assert "带消息的访客" in page and 'class="messages"' in page
    # The page with the message is not kept: the next visit has none.
    assert 'class="messages"' not in client.get(news.url).content.decode()


def test_english_and_chinese_are_cached_apart(client, news, django_assert_num_queries):
    chinese = client.get(news.url)
    english_client = Client()
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.get(news.url)
    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en"
    assert "Skip to content" in english.content.decode()
    assert "Skip to content" not in chinese.content.decode()
    with django_assert_num_queries(0):
        assert english_client.get(news.url).content == english.content
        assert client.get(news.url).content == chinese.content


def test_the_language_switch_needs_no_form_token_and_stays_on_the_site(client, news):
    switched = client.get("/language/", {"language": "en", "next": news.url})
    assert switched.status_code == 302 and switched["Location"] == news.url
    assert "Skip to content" in client.get(news.url).content.decode()
    elsewhere = client.get("/language/", {"language": "zh-hans", "next": "https://evil.example/"})
    assert elsewhere["Location"] == "/"
    assert "Skip to content" not in client.get(news.url).content.decode()
