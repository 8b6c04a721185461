"""The Django admin, opened to the three administrators (bangfu.accounts.duties) as well as to
staff accounts: what each sees in it is what their duty's permissions allow.

``INSTALLED_APPS`` installs the admin through ``AdminConfig`` so that ``admin.site`` is this
site: every ``@admin.register`` of every app lands on it. This module is imported while the
apps load, before any model may be: the duties are imported where they are asked."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        from bangfu.accounts.duties import duties_of

        user = request.user
        return user.is_active and (user.is_staff or bool(duties_of(user)))


class AdminConfig(DjangoAdminConfig):
    default_site = "bangfu.accounts.admin_site.AdminSite"

    def ready(self) -> None:
        super().ready()
        # Second-factor devices are not the admin's: each user manages their own
        # (/accounts/two-factor/), the security administrator resets them (the users' page),
        # and django-otp's own pages name their models in untranslatable English.
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (StaticDevice, TOTPDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
