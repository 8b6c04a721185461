from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingRunsConfig(AppConfig):
    name = "bangfu.matching_runs"
    verbose_name = _("Matching runs")
