from django.urls import path

from bangfu.discovery import profile_views, views

app_name = "discovery"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("warnings/", views.flag_list, name="flag-list"),
    path("warnings/<int:pk>/", views.flag_detail, name="flag-detail"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/overdue/", views.overdue, name="overdue"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("imports/", views.crosscheck_import, name="import"),
    path("imports/<int:pk>/", views.crosscheck_import_job, name="import-job"),
    path(
        "imports/<slug:source>/template.xlsx",
        profile_views.import_template,
        name="import-template",
    ),
    path("imports/<slug:source>/columns/", profile_views.import_columns, name="import-columns"),
    path("standards/", views.standards, name="standards"),
]
