"""The public page tree: its own layout, project notices kept in step with procurement, offer
pages that follow moderation, and figures read live."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation
from wagtail.models import Page, Site

from bangfu.offers import services as offers
from bangfu.offers.models import Offer
from bangfu.procurement.models import Evaluation, Project
from cms.models import HomePage, NewsIndexPage, OfferIndexPage, OfferPage, ProjectPage
from cms.services import project_pages_sync, site_ensure
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_uses_the_public_layout_and_links_every_section(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "css/public.css" in html and "css/bangfu.css" not in html
    for title in ("新闻动态", "政策解读", "购买服务项目公示", "慈善帮扶"):
        assert title in html
    assert 'href="/help/"' in html


def test_site_ensure_rebuilds_a_missing_tree_once(db):
    Site.objects.all().delete()
    Page.objects.filter(depth__gt=1).delete()
    first = site_ensure()
    second = site_ensure()
    assert first.pk == second.pk
    assert HomePage.objects.count() == 1 and NewsIndexPage.objects.count() == 1
    assert Site.objects.get(is_default_site=True).root_page_id == first.pk


def test_an_approved_project_is_published_with_delivery_and_grade(
    run_project, household_a, en_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        project = run_project(household=household_a, close=True)
    page = ProjectPage.objects.get(project=project)
    response = en_client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    evaluation = Evaluation.objects.get(project=project)
    with translation.override("en"):
        grade = evaluation.get_grade_display()
    for expected in (
        "元江县阳光社会工作服务中心",
        "4,000.00",
        "1 / 30",
        f"<strong>{grade}</strong>",
    ):
        assert expected in html
    listing = en_client.get(page.get_parent().url).content.decode()
    assert page.url in listing and "4,000.00" in listing


def test_approving_a_project_publishes_its_notice_when_the_approval_commits(
    run_project, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        project = run_project(name="困境儿童关爱服务")
        assert Project.objects.get(pk=project.pk).status == Project.Status.APPROVED
        assert not ProjectPage.objects.exists()  # nothing reaches the site before the commit
    assert callbacks
    page = ProjectPage.objects.get(project=project)
    assert page.live and page.title == "困境儿童关爱服务"
    assert "困境儿童关爱服务" in client.get(page.url).content.decode()
    assert page.url in client.get(page.get_parent().url).content.decode()


def test_an_approval_rolled_back_publishes_nothing(
    run_project, client, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        project = run_project(name="困境儿童关爱服务")
        assert Project.objects.get(pk=project.pk).status == Project.Status.APPROVED
        raise RuntimeError("the request fails after the approval")
    assert callbacks == []
    assert not ProjectPage.objects.exists()
    assert "困境儿童关爱服务" not in client.get("/projects/").content.decode()


def test_the_resync_command_puts_back_a_page_whose_task_was_lost(run_project, offer, client):
    # The approvals' callbacks never run here, as when the task queue was down.
    project = run_project()
    assert not ProjectPage.objects.exists() and not OfferPage.objects.exists()
    out = StringIO()
    call_command("sync_public_pages", stdout=out)
    assert "projects: 1 published, 0 refreshed, 0 unpublished" in out.getvalue()
    assert "offers: 1 published, 0 refreshed, 0 unpublished" in out.getvalue()
    for page in (ProjectPage.objects.get(project=project), OfferPage.objects.get(offer=offer)):
        assert client.get(page.url).status_code == 200
    with pytest.raises(CommandError):
        call_command("sync_public_pages", region="999999")


def test_project_sync_is_idempotent_and_follows_the_project(run_project):
    project = run_project()
    project_pages_sync()
    page = ProjectPage.objects.get(project=project)
    revisions = page.revisions.count()
    assert project_pages_sync() == {"published": 0, "refreshed": 1, "unpublished": 0}
    assert page.revisions.count() == revisions  # nothing changed, nothing republished
    Project.objects.filter(pk=project.pk).update(name="特困老人居家照料服务（二期）")
    project_pages_sync()
    page.refresh_from_db()
    assert page.title == "特困老人居家照料服务（二期）" and page.live
    assert ProjectPage.objects.count() == 1


def test_a_project_not_approved_has_no_page(run_project):
    project = run_project()
    Project.objects.filter(pk=project.pk).update(status=Project.Status.SUBMITTED)
    project_pages_sync()
    assert not ProjectPage.objects.exists()


def test_an_offer_page_appears_on_approval_and_goes_when_closed(
    charity, charity_user, bureau_staff, en_client, django_capture_on_commit_callbacks
):
    offer = OfferFactory(charity=charity, status=Offer.Status.PENDING, title="冬季棉被")
    assert not OfferPage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_approve(offer=offer, by=bureau_staff)
    page = OfferPage.objects.get(offer=offer)
    response = en_client.get(page.url)
    assert response.status_code == 200
    assert "10 of 10 households left" in response.content.decode()
    assert page.url in en_client.get(OfferIndexPage.objects.get().url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_close(offer=offer, by=charity_user)
    assert en_client.get(page.url).status_code == 404


def test_the_bureau_approving_an_offer_on_its_page_publishes_the_notice_on_commit(
    charity, bureau_staff, client, django_capture_on_commit_callbacks
):
    offer = OfferFactory(charity=charity, status=Offer.Status.PENDING, title="冬季棉被")
    client.force_login(bureau_staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/staff/offers/{offer.pk}/approve/")
        assert not OfferPage.objects.exists()  # nothing reaches the site before the commit
    assert response.status_code == 302 and callbacks
    page = OfferPage.objects.get(offer=offer)
    client.logout()
    notice = client.get(page.url)
    assert notice.status_code == 200 and "冬季棉被" in notice.content.decode()


def test_the_public_page_shows_what_is_left_after_allocations(
    offer, make_need, bureau_staff, en_client
):
    from cms.services import offer_page_sync

    page = offer_page_sync(offer_id=offer.pk)
    for _ in range(3):
        offers.allocation_confirm(offer=offer, need=make_need(), by=bureau_staff)
    html = en_client.get(page.url).content.decode()
    assert "7 of 10 households left" in html
    assert "7 / 10 袋" in html


def test_an_expired_offer_says_so_and_leaves_the_index(charity, today, en_client):
    import datetime as dt

    from cms.services import offer_page_sync

    offer = OfferFactory(
        charity=charity,
        valid_from=today - dt.timedelta(days=60),
        valid_until=today - dt.timedelta(days=1),
    )
    page = offer_page_sync(offer_id=offer.pk)
    assert "This offer has ended." in en_client.get(page.url).content.decode()
    assert page.url not in en_client.get(OfferIndexPage.objects.get().url).content.decode()


def test_a_suspended_charitys_offers_leave_the_site(
    offer, bureau_staff, django_capture_on_commit_callbacks
):
    from cms.services import offer_page_sync

    page = offer_page_sync(offer_id=offer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        offers.charity_reject(charity=offer.charity, by=bureau_staff, reason="年检不合格")
    page.refresh_from_db()
    assert not page.live


def test_editors_open_the_synced_pages_in_the_cms_admin_and_cannot_add_them(
    client, offer, run_project, django_user_model
):
    from cms.services import offer_page_sync

    editor = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-editor-1")
    client.force_login(editor)
    run_project()
    project_pages_sync()
    offer_page = offer_page_sync(offer_id=offer.pk)
    project_page = ProjectPage.objects.get()
    for page in (offer_page, project_page):
        assert client.get(f"/cms-admin/pages/{page.pk}/edit/").status_code == 200
    index = OfferIndexPage.objects.get()
    refused = client.get(f"/cms-admin/pages/add/cms/offerpage/{index.pk}/")
    assert refused.status_code in (302, 403)  # Wagtail sends the editor back to the dashboard
    assert OfferPage.objects.count() == 1
