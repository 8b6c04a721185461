from django.urls import path

from bangfu.auditing import views

app_name = "audit"

urlpatterns = [
    path("", views.search, name="search"),
    path("export/", views.export, name="export"),
    path("security/", views.security, name="security"),
    path("chain/", views.chain, name="chain"),
]
