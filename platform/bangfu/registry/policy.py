"""The registry's policy parameters: assistance standards, review and visit intervals, and the
limits that protect personal data. Values are kept per region and year by the regions app."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from bangfu.regions.policy import Parameter, Policy, register_parameters
from bangfu.registry.models import Need, Tier
from bangfu.registry.priority import PRIORITY_WEIGHTS
from bangfu.registry.selectors import PRIORITY_COMPONENT_LABELS

PRIORITY_WEIGHT_LABELS = {
    **{f"tier.{tier}": label for tier, label in Tier.choices},
    **PRIORITY_COMPONENT_LABELS,
    "per_severity_point": _("per point of severity"),
    **{f"urgency.{urgency}": label for urgency, label in Need.Urgency.choices},
    "per_waiting_week": _("per week of waiting"),
    "waiting_cap": _("waiting time, at most"),
}

PARAMETERS = {
    "minimum_wage_monthly": Parameter(_("Local minimum wage (yuan/month)"), "money"),
    "dibao_standard_monthly": Parameter(_("Dibao standard (yuan/person/month)"), "money"),
    "dibao_share_of_minimum_wage_pct": Parameter(
        # xgettext:no-python-format
        _("Dibao standard as % of minimum wage"),
        "percent",
        maximum=Decimal("100"),
    ),
    # xgettext:no-python-format
    "tekun_basic_pct_of_dibao": Parameter(_("Tekun basic standard as % of dibao"), "percent"),
    "care_standard_self_pct": Parameter(
        # xgettext:no-python-format
        _("Care standard, self-caring (% of min. wage)"),
        "percent",
    ),
    # xgettext:no-python-format
    "care_standard_semi_pct": Parameter(_("Care standard, semi-care (% of min. wage)"), "percent"),
    # xgettext:no-python-format
    "care_standard_full_pct": Parameter(_("Care standard, full care (% of min. wage)"), "percent"),
    # xgettext:no-python-format
    "institutional_support_pct": Parameter(_("Institutional support (% of dispersed)"), "percent"),
    "temporary_assistance_band_pct": Parameter(
        _("Temporary assistance band (+/- %)"), "percent", maximum=Decimal("100")
    ),
    "work_income_deduction_pct": Parameter(
        _("Work income deduction (%)"), "percent", maximum=Decimal("100")
    ),
    "review_interval_stable_months": Parameter(_("Review interval, stable households"), "months"),
    "review_interval_irregular_months": Parameter(_("Review interval, irregular income"), "months"),
    "visit_interval_months": Parameter(_("Visit interval, protected households"), "months"),
    "medical_out_of_pocket_threshold": Parameter(
        _("Medical out-of-pocket alert (yuan/year)"), "money"
    ),
    "priority_weights": Parameter(
        _("Need priority weights"),
        "weights",
        names=PRIORITY_WEIGHTS,
        name_labels=PRIORITY_WEIGHT_LABELS,
    ),
    "identity_refusals_alert_per_day": Parameter(
        _("Data protection: refused ID numbers by one user in a day before the bureau is alerted"),
        "count",
    ),
    "unmasked_exports_per_day": Parameter(
        _("Data protection: unmasked exports one user may make in a day"), "count"
    ),
    "import_max_rows": Parameter(_("Imports: most rows in one file"), "count"),
    "import_max_megabytes": Parameter(_("Imports: largest file (MB)"), "count"),
    "background_rows": Parameter(
        _("Imports and exports: rows above which the work runs in the background"), "count"
    ),
}
register_parameters(PARAMETERS)


def dibao_standard(policy: Policy) -> Decimal:
    """The set standard, or the share of the minimum wage when only that is set."""
    standard = policy.get("dibao_standard_monthly")
    if standard is not None:
        return standard
    share = policy["dibao_share_of_minimum_wage_pct"]
    return (policy["minimum_wage_monthly"] * share / 100).quantize(Decimal("1"))
