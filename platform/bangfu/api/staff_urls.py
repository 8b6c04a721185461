"""The staff pages of the API: one's own tokens, and a bureau manager's service accounts."""

from django.urls import path

from bangfu.api import views

app_name = "api-tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
    path("service-accounts/", views.service_account_list, name="service-accounts"),
    path(
        "service-accounts/<int:pk>/tokens/",
        views.service_account_token,
        name="service-account-token",
    ),
]
