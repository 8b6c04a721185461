from django.urls import path

from bangfu.procurement import filing_views, views

app_name = "procurement"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("funds/", views.funds, name="funds"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/evaluate/", views.evaluation_create, name="evaluation-create"),
    path("projects/<int:pk>/<slug:action>/", views.project_action, name="project-action"),
    path("filings/", filing_views.filing_inbox, name="filing-inbox"),
    path("filings/<int:pk>/<slug:action>/", filing_views.filing_answer, name="filing-answer"),
    path("filings/documents/<int:pk>/", filing_views.filing_document, name="filing-document"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path(
        "evaluations/<int:pk>/report.<str:fmt>",
        views.evaluation_export,
        name="evaluation-export",
    ),
]
