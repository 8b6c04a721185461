from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Public site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from bangfu.core import public_cache, publications
        from cms.models import ContactPoint
        from cms.tasks import page_sync_queue

        # Procurement and offers announce their changes; the public pages follow.
        publications.on_published.append(page_sync_queue)

        # The pages are served from the cache, stale once a page is published, unpublished,
        # moved or deleted (a deletion signals with Page itself; saves are drafts until
        # published), or a site, view restriction, image, document or contact point changes.
        public_cache.cache_views(["wagtail_serve"])
        public_cache.watch(
            Page,
            Site,
            PageViewRestriction,
            get_image_model(),
            get_document_model(),
            ContactPoint,
        )
        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(public_cache.changed, dispatch_uid="public-cache:pages")
