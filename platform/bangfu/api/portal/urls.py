"""The providers' portal, as its pages' routes (``bangfu.referrals.portal_urls``)."""

from django.urls import path

from bangfu.api.portal import views

app_name = "portal"

urlpatterns = [
    path("referrals/", views.Inbox.as_view(), name="referrals"),
    path("referrals/<int:pk>/", views.Case.as_view(), name="referral"),
    path("referrals/<int:pk>/accept/", views.Accept.as_view(), name="accept"),
    path("referrals/<int:pk>/decline/", views.Decline.as_view(), name="decline"),
    path("referrals/<int:pk>/sessions/", views.Sessions.as_view(), name="sessions"),
    path("referrals/<int:pk>/complete/", views.Complete.as_view(), name="complete"),
    path("referrals/<int:pk>/close/", views.Close.as_view(), name="close"),
]
