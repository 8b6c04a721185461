from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Public site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bangfu.core import publications
        from cms.tasks import page_sync_queue

        # Procurement and offers announce their changes; the public pages follow.
        publications.on_published.append(page_sync_queue)
