from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingRunsConfig(AppConfig):
    name = "bangfu.matching_runs"
    verbose_name = _("Matching runs")

    def ready(self) -> None:
        from bangfu.matching_runs.services import rank_need
        from bangfu.referrals.ranking import register_ranker

        # The intake desk ranks a need's candidates with the engine.
        register_ranker(rank_need)
