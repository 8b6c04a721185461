from django.contrib.auth import views as auth_views
from django.urls import path

from bangfu.accounts import two_factor_views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url="/"
        ),
        name="password-change",
    ),
    path("two-factor/", two_factor_views.manage, name="two-factor"),
    path("two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("two-factor/sms/", two_factor_views.sms_send, name="two-factor-sms"),
    path("two-factor/enrol/", two_factor_views.enrol, name="two-factor-enrol"),
    path(
        "two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("two-factor/remove/", two_factor_views.remove, name="two-factor-remove"),
]
