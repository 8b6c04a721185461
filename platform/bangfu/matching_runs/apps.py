from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingRunsConfig(AppConfig):
    name = "bangfu.matching_runs"
    verbose_name = _("Matching runs")

    def ready(self) -> None:
        from bangfu.matching_runs.desk_index import connect_receivers
        from bangfu.matching_runs.ranking import rank_need
        from bangfu.referrals.ranking import register_ranker

        # The intake desk ranks a need's candidates with the engine, on a warm index that
        # changes to the county's providers invalidate.
        register_ranker(rank_need)
        connect_receivers()

        from bangfu.matching_runs.household_panel import household_chain_panel
        from bangfu.registry import hooks

        # The household page shows the chain of help the latest run suggests.
        hooks.household_panels.append(household_chain_panel)
