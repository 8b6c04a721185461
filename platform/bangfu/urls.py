from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from bangfu.accounts.views import landing

urlpatterns = [
    path("staff/offers/", include("bangfu.offers.urls")),
    path("staff/procurement/", include("bangfu.procurement.urls")),
    path("staff/referrals/", include("bangfu.referrals.urls")),
    path("staff/matching/", include("bangfu.matching_runs.urls")),
    path("portal/", include("bangfu.referrals.portal_urls")),
    path("providers/", include("bangfu.providers.urls")),
    path("charity/", include("bangfu.offers.portal_urls")),
    path("staff/discovery/", include("bangfu.discovery.urls")),
    path("staff/policy/", include("bangfu.regions.urls")),
    path("staff/privacy/", include("bangfu.privacy.urls")),
    path("staff/audit/", include("bangfu.auditing.urls")),
    path("staff/api/webhooks/", include("bangfu.api.webhooks.urls")),
    path("staff/api/", include("bangfu.api.staff_urls")),
    path("staff/start/", landing, name="home"),
    path("staff/", include("bangfu.registry.urls")),
    path("accounts/", include("bangfu.accounts.urls")),
    path("api/", include("bangfu.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path from its page tree (the public site): this stays last.
urlpatterns += [path("", include(wagtail_urls))]
