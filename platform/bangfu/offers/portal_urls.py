"""The charity portal, under /charity/."""

from django.urls import path

from bangfu.offers.views import portal

app_name = "charity"

urlpatterns = [
    path("", portal.home, name="home"),
    path("register/", portal.register, name="register"),
    path("offers/new/", portal.offer_create, name="offer-create"),
    path("offers/<int:pk>/", portal.offer_detail, name="offer"),
    path("offers/<int:pk>/edit/", portal.offer_update, name="offer-update"),
    path("offers/<int:pk>/submit/", portal.offer_submit, name="offer-submit"),
    path("offers/<int:pk>/close/", portal.offer_close, name="offer-close"),
    path("allocations/<int:pk>/deliver/", portal.deliver, name="deliver"),
]
