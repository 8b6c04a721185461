"""The providers' portal: station staff and volunteers, under /portal/."""

from django.urls import path

from bangfu.referrals.views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.inbox, name="inbox"),
    path("<int:pk>/", portal.case, name="case"),
    path("<int:pk>/accept/", portal.accept, name="accept"),
    path("<int:pk>/decline/", portal.decline, name="decline"),
    path("<int:pk>/sessions/", portal.session_create, name="session-create"),
    path("<int:pk>/complete/", portal.complete, name="complete"),
    path("<int:pk>/close/", portal.close, name="close"),
]
