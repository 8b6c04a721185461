from django.urls import path

from bangfu.referrals.views import dashboard, intake, notifications, referral

app_name = "referrals"

urlpatterns = [
    path("", intake.intake_list, name="intake-list"),
    path("intake/new/", intake.intake_create, name="intake-create"),
    path("intake/<int:pk>/", intake.intake_detail, name="intake-detail"),
    path("intake/<int:pk>/need/", intake.intake_attach, name="intake-attach"),
    path("intake/<int:pk>/refer/", intake.intake_refer, name="intake-refer"),
    path("intake/<int:pk>/refer-first/", intake.intake_route, name="intake-route"),
    path("<int:pk>/", referral.referral_detail, name="referral-detail"),
    path("<int:pk>/revoke/", referral.referral_revoke, name="referral-revoke"),
    path("<int:pk>/feedback/", referral.feedback_create, name="feedback-create"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/referrals.xlsx", dashboard.dashboard_export, name="dashboard-export"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification-open"),
    path("notifications/read/", notifications.notifications_read_all, name="notifications-read"),
]
