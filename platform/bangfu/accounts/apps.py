from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "bangfu.accounts"
    verbose_name = _("Organisations and users")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from bangfu.accounts.middleware import remember_at_log_in
        from bangfu.accounts.models import Organisation
        from bangfu.core import public_cache

        user_logged_in.connect(remember_at_log_in, dispatch_uid="bangfu-second-factor-state")
        # Organisations' names are on the public notices and in the service directory.
        public_cache.watch(Organisation)
