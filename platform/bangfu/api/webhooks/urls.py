"""A bureau manager's webhook pages, under /staff/api/webhooks/."""

from django.urls import path

from bangfu.api.webhooks import views

app_name = "api-webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/deactivate/", views.subscription_deactivate, name="deactivate"),
]
