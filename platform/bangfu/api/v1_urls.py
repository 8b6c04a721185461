"""Version 1 of the API: each part adds its routes here."""

from django.urls import include, path

from bangfu.api import account, public

urlpatterns = [
    path("me/", account.Me.as_view(), name="me"),
    path("me/token/", account.MyToken.as_view(), name="my-token"),
    path("public/projects/", public.ProjectList.as_view(), name="public-projects"),
    path("public/projects/<int:pk>/", public.ProjectDetail.as_view(), name="public-project"),
    path("public/offers/", public.OfferList.as_view(), name="public-offers"),
    path("public/offers/<int:pk>/", public.OfferDetail.as_view(), name="public-offer"),
    path("hsds/", include("bangfu.api.hsds.urls")),
    path("registry/", include("bangfu.api.registry.urls")),
    path("portal/", include("bangfu.api.portal.urls")),
    path("intake/", include("bangfu.api.intake.urls")),
]
