"""The provider directory (bureau staff) and a volunteer's own profile, under /providers/."""

from django.urls import path

from bangfu.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("stations/new/", views.provider_create, {"kind": "station"}, name="station-create"),
    path("volunteers/new/", views.provider_create, {"kind": "volunteer"}, name="volunteer-create"),
    path("<int:pk>/", views.provider_detail, name="detail"),
    path("<int:pk>/edit/", views.provider_edit, name="edit"),
    path("<int:pk>/suspend/", views.provider_suspend, name="suspend"),
    path("<int:pk>/reactivate/", views.provider_reactivate, name="reactivate"),
    path("me/", views.profile, name="profile"),
    path("me/pause/", views.profile_pause, name="profile-pause"),
    path("me/resume/", views.profile_resume, name="profile-resume"),
]
