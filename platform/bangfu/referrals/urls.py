from django.urls import path

from bangfu.referrals.views import dashboard, help_requests, intake, notifications, referral

app_name = "referrals"

urlpatterns = [
    path("", intake.intake_list, name="intake-list"),
    path("intake/new/", intake.intake_create, name="intake-create"),
    path("intake/<int:pk>/", intake.intake_detail, name="intake-detail"),
    path("intake/<int:pk>/household/", intake.intake_link, name="intake-link"),
    path("intake/<int:pk>/need/", intake.intake_attach, name="intake-attach"),
    path("intake/<int:pk>/need/new/", intake.intake_need_create, name="intake-need-create"),
    path("intake/<int:pk>/refer/", intake.intake_refer, name="intake-refer"),
    path("intake/<int:pk>/refer-first/", intake.intake_route, name="intake-route"),
    path("<int:pk>/", referral.referral_detail, name="referral-detail"),
    path("<int:pk>/revoke/", referral.referral_revoke, name="referral-revoke"),
    path("<int:pk>/feedback/", referral.feedback_create, name="feedback-create"),
    path("help/", help_requests.help_request_list, name="help-list"),
    path("help/<int:pk>/", help_requests.help_request_detail, name="help-detail"),
    path(
        "help/<int:pk>/acknowledge/",
        help_requests.help_request_acknowledge,
        name="help-acknowledge",
    ),
    path("help/<int:pk>/calls/", help_requests.contact_attempt_create, name="help-contact"),
    path("help/<int:pk>/household/", help_requests.help_request_household, name="help-household"),
    path("help/<int:pk>/close/", help_requests.help_request_close, name="help-close"),
    path(
        "help/<int:pk>/transfer-slip/",
        help_requests.help_request_transfer_slip,
        name="help-transfer-slip",
    ),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/referrals.xlsx", dashboard.dashboard_export, name="dashboard-export"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification-open"),
    path("notifications/read/", notifications.notifications_read_all, name="notifications-read"),
]
