"""The bureau's pages for charities and their offers, under /staff/offers/."""

from django.urls import path

from bangfu.offers.views import staff

app_name = "offers"

urlpatterns = [
    path("", staff.offer_list, name="list"),
    path("<int:pk>/", staff.offer_detail, name="detail"),
    path("<int:pk>/approve/", staff.offer_approve, name="approve"),
    path("<int:pk>/return/", staff.offer_return, name="return"),
    path("<int:pk>/close/", staff.offer_close, name="close"),
    path("<int:pk>/allocate/", staff.allocate, name="allocate"),
    path("allocations/<int:pk>/cancel/", staff.allocation_cancel, name="allocation-cancel"),
    path("charities/<int:pk>/", staff.charity_detail, name="charity"),
    path("charities/<int:pk>/approve/", staff.charity_approve, name="charity-approve"),
    path("charities/<int:pk>/reject/", staff.charity_reject, name="charity-reject"),
]
