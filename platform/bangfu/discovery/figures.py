"""The calculator's results as others keep and show them: the figures a recommendation stores
(strings only), their rows on a page, and the household page's calculator panel."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

from bangfu.discovery.standards import household_entitlement
from bangfu.regions.policy import PolicyNotSet
from bangfu.registry.models import Coverage, Household, Residence
from bangfu.registry.selectors import household_readable

# The calculator's figures as a decision keeps them (``StatusDecision.figures``): strings only.
FIGURE_LABELS = {
    "year": gettext_lazy("year of the standards"),
    "residence": gettext_lazy("urban or rural"),
    "dibao_standard": gettext_lazy("dibao standard used (yuan/person/month)"),
    "tekun_basic": gettext_lazy("destitute (特困) basic standard"),
    "work_deduction_pct": gettext_lazy("work-income deduction (%)"),
    "size": gettext_lazy("members in the household's dibao computation"),
    "income": gettext_lazy("their income"),
    "deductions": gettext_lazy("work-cost deduction"),
    "countable_per_person": gettext_lazy("countable income per person"),
    "dibao_gap_per_person": gettext_lazy("gap to the standard per person"),
    "qualifies_by": gettext_lazy("household qualifies for dibao"),
    "dibao_monthly": gettext_lazy("dibao top-up of the household"),
    "single_dibao_monthly": gettext_lazy("single-person dibao (单人纳保)"),
    "tekun_monthly": gettext_lazy("destitute (特困) support"),
    "monthly": gettext_lazy("total a month"),
    "asset_test": gettext_lazy("asset test"),
    "assets_per_person": gettext_lazy("financial assets per person"),
    "asset_limit": gettext_lazy("asset limit per person"),
}
FIGURE_VALUE_LABELS = {
    "pass": gettext_lazy("passed"),
    "fail": gettext_lazy("failed"),
    "no data": gettext_lazy("no asset data"),
    "decision": gettext_lazy("yes, by its decided status (低保)"),
    "calculation": gettext_lazy("yes, by the calculation"),
    "no": gettext_lazy("no"),
}
MEMBER_FIGURE_LABELS = {
    "name": gettext_lazy("member"),
    "basis": gettext_lazy("computed as"),
    "countable": gettext_lazy("countable income"),
    "monthly": gettext_lazy("a month"),
}


def entitlement_figures(household: Household, on: dt.date) -> dict[str, str]:
    """The entitlement on ``on`` as JSON-safe strings (Decimal as str, codes as stored): what a
    recommendation keeps as the calculator's figures. Members under ``member.<pk>.<field>``, by
    masked name. Raises ``PolicyNotSet`` (a LookupError) if the region's standards are not set."""
    entitlement = household_entitlement(household, on=on)
    standards, assets = entitlement.standards, entitlement.assets
    figures = {
        "year": str(standards.year),
        "residence": standards.residence,
        "dibao_standard": str(standards.dibao_standard),
        "tekun_basic": str(standards.tekun_basic),
        "work_deduction_pct": str(standards.work_deduction_pct),
        "size": str(entitlement.size),
        "income": str(entitlement.income),
        "deductions": str(entitlement.deductions),
        "countable_per_person": str(entitlement.countable_per_person),
        "dibao_gap_per_person": str(entitlement.dibao_gap_per_person),
        "qualifies_by": entitlement.qualifies_by or "no",
        "dibao_monthly": str(entitlement.dibao_monthly),
        "single_dibao_monthly": str(entitlement.single_dibao_monthly),
        "tekun_monthly": str(entitlement.tekun_monthly),
        "monthly": str(entitlement.monthly),
        "asset_test": "no data" if assets is None else ("pass" if assets.passes else "fail"),
    }
    if assets is not None:
        figures["assets_per_person"] = str(assets.per_person)
        figures["asset_limit"] = str(assets.limit)
    for line in entitlement.lines:
        key = f"member.{line.member.pk}"
        figures[f"{key}.name"] = line.member.masked_name
        figures[f"{key}.basis"] = line.basis
        figures[f"{key}.countable"] = str(line.countable)
        figures[f"{key}.monthly"] = str(line.monthly)
    return figures


def figure_rows(figures: dict[str, str]) -> list[tuple[str, str]]:
    """Stored figures as (label, value) rows for a page, members by their masked name; a key
    this version does not know keeps its name, so older figures still show."""
    labels = {**dict(Coverage.choices), **dict(Residence.choices), **FIGURE_VALUE_LABELS}
    rows = []
    for key, value in figures.items():
        if not key.startswith("member."):
            rows.append((str(FIGURE_LABELS.get(key, key)), str(labels.get(value, value))))
            continue
        _member, pk, field = key.split(".", 2)
        if field != "name":
            name = figures.get(f"member.{pk}.name", pk)
            label = f"{name} · {MEMBER_FIGURE_LABELS.get(field, field)}"
            rows.append((label, str(labels.get(value, value))))
    return rows


PANEL_TEMPLATE = "discovery/includes/entitlement_panel.html"


def entitlement_panel(household: Household, user) -> tuple[str, dict] | None:
    """The household page's calculator panel (``registry.hooks.household_panels``), for users
    who may read the household; the figures are indicative, the benefits system decides."""
    if not household_readable(user, household):
        return None
    try:
        entitlement = household_entitlement(household, on=timezone.localdate())
    except PolicyNotSet as error:
        return PANEL_TEMPLATE, {"entitlement": None, "missing": error.key}
    return PANEL_TEMPLATE, {"entitlement": entitlement}
