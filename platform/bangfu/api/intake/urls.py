from django.urls import path

from bangfu.api.intake import views

app_name = "intake"

urlpatterns = [
    path("cases/", views.CaseOpen.as_view(), name="cases"),
    path("cases/<int:pk>/", views.CaseStatus.as_view(), name="case"),
    path("cases/<int:pk>/household/", views.CaseHousehold.as_view(), name="case-household"),
    path("cases/<int:pk>/need/", views.CaseNeed.as_view(), name="case-need"),
]
