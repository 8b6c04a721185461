from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="registry:household-list"), name="home"),
    path("staff/referrals/", include("bangfu.referrals.urls")),
    path("staff/matching/", include("bangfu.matching_runs.urls")),
    path("portal/", include("bangfu.referrals.portal_urls")),
    path("staff/procurement/", include("bangfu.procurement.urls")),
    path("staff/", include("bangfu.registry.urls")),
    path("accounts/", include("bangfu.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
