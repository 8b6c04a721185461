from django.urls import path

from bangfu.registry import decision_views, export_views, grant_views, search_views, views

app_name = "registry"

urlpatterns = [
    path("", views.household_list, name="household-list"),
    path("search/", search_views.search, name="search"),
    path("search/suggest/", search_views.search_suggest, name="search-suggest"),
    path("search/pick/", search_views.search_pick, name="search-pick"),
    path("regions/options/", search_views.region_options, name="region-options"),
    path("households/export.xlsx", export_views.household_export, name="household-export"),
    path("households/export/", export_views.household_export_page, name="household-export-page"),
    path(
        "households/exports/<int:pk>/",
        export_views.household_export_job,
        name="household-export-job",
    ),
    path(
        "households/exports/<int:pk>/file.xlsx",
        export_views.household_export_download,
        name="household-export-download",
    ),
    path("households/import/", views.household_import, name="household-import"),
    path("households/imports/<int:pk>/", views.household_import_job, name="household-import-job"),
    path("households/ledger-template.xlsx", export_views.ledger_template, name="ledger-template"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_update, name="household-update"),
    path("households/<int:pk>/members/new/", views.member_create, name="member-create"),
    path("households/<int:pk>/visits/new/", views.assessment_create, name="assessment-create"),
    path(
        "households/<int:pk>/recommend/",
        decision_views.decision_recommend,
        name="decision-recommend",
    ),
    path("decisions/", decision_views.decision_list, name="decision-list"),
    path("decisions/<int:pk>/", decision_views.decision_detail, name="decision-detail"),
    path("households/<int:pk>/grants/new/", grant_views.grant_propose, name="grant-propose"),
    path("households/<int:pk>/grants/record/", grant_views.grant_record, name="grant-record"),
    path("grants/", grant_views.grant_list, name="grant-list"),
    path("grants/<int:pk>/", grant_views.grant_detail, name="grant-detail"),
    path("members/<int:pk>/edit/", views.member_update, name="member-update"),
    path("members/<int:pk>/delete/", views.member_delete, name="member-delete"),
    path("members/<int:pk>/id-number/", views.member_identity, name="member-identity"),
    path("visits/need-row/", views.need_form_row, name="need-form-row"),
    path("needs/<int:pk>/edit/", views.need_update, name="need-update"),
]
