from django.urls import path

from bangfu.matching_runs import views

app_name = "matching_runs"

urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("<int:pk>/", views.run_detail, name="run-detail"),
    path("<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("<int:pk>/refer/", views.run_refer, name="run-refer"),
    path("<int:pk>/referred/", views.run_referred, name="run-referred"),
]
