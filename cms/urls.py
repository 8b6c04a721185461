"""Public pages outside Wagtail's page tree: search, the language switch and the help form
(一键求助)."""

from django.urls import path

from cms import views

app_name = "public"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("language/", views.language, name="language"),
    path("help/", views.help_request, name="help"),
    path("help/received/", views.help_received, name="help-received"),
    path("help/status/", views.help_status, name="help-status"),
]
