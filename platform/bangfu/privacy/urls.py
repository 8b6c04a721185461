from django.urls import path

from bangfu.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.processing_record, name="record"),
    path("record.xlsx", views.processing_record_export, name="record-export"),
    path("record/new/", views.activity_edit, name="activity-new"),
    path("record/<int:pk>/", views.activity_edit, name="activity-edit"),
    path("retention/", views.retention, name="retention"),
    path("retention/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("retention/dry-runs/<int:pk>/", views.retention_job, name="retention-job"),
    path("retention/county/<slug:category>/", views.county_rule, name="county-rule"),
    path("subject-access/", views.subject_access, name="subject-access"),
]
