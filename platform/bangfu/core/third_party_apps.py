"""Third-party apps under a name the admin can show in Chinese.

django-axes names its app after its label ("Axes"), an untranslated word among the admin's
section headings. ``INSTALLED_APPS`` installs it through ``AxesConfig`` instead of "axes":
Django's way of renaming an app one does not own (the label, tables and settings stay axes').
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Log-in attempts and lockouts")
