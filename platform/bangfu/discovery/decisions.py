"""What a status decision's page shows of finding people: the warning a recommendation came
from, in words, and the visit that verified it, each linked for those who may open it
(``registry.hooks.decision_evidence``; people are named on those pages, not here); and the
calculator's figures the visit kept, named, amounts in yuan (``hooks.decision_figures``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.core.templatetags.money import yuan
from bangfu.discovery.explain import explain
from bangfu.discovery.figures import figure_rows
from bangfu.discovery.models import Flag, Task
from bangfu.discovery.selectors import reads_discovery

# The figures (``figures.entitlement_figures``) that are amounts of money; a member's figure
# by the last part of its key (``member.<pk>.monthly``).
AMOUNTS = {
    "dibao_standard",
    "tekun_basic",
    "income",
    "deductions",
    "countable_per_person",
    "dibao_gap_per_person",
    "dibao_monthly",
    "single_dibao_monthly",
    "tekun_monthly",
    "monthly",
    "assets_per_person",
    "asset_limit",
    "countable",
}


def decision_evidence(decision, user) -> list[tuple[str, str, str]]:
    evidence = decision.evidence or {}
    linked = reads_discovery(user)
    lines = []
    flag = Flag.objects.for_user(user).filter(pk=evidence.get("flag")).first()
    if flag is not None:
        url = reverse("discovery:flag-detail", args=[flag.pk]) if linked else ""
        lines.append((_("Warning"), f"{flag.get_rule_display()}: {explain(flag)}", url))
    task = (
        Task.objects.for_user(user)
        .filter(pk=evidence.get("task"))
        .select_related("completed_by")
        .first()
    )
    if task is not None:
        url = reverse("discovery:task-detail", args=[task.pk]) if linked else ""
        if task.completed_on:
            text = _("%(kind)s, visited on %(date)s by %(who)s") % {
                "kind": task.get_kind_display(),
                "date": task.completed_on.isoformat(),
                "who": task.completed_by,
            }
        else:
            text = task.get_kind_display()
        lines.append((_("Visit"), text, url))
    return lines


def decision_figures(figures: dict) -> list[tuple[str, str]]:
    return figure_rows(
        {
            key: yuan(value) if key.rsplit(".", 1)[-1] in AMOUNTS else value
            for key, value in figures.items()
        }
    )
