"""The registry's policy parameters: assistance standards, review and visit intervals, and the
limits that protect personal data. Values are kept per region and year by the regions app."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from bangfu.regions.policy import Parameter, Policy, register_parameters
from bangfu.registry.models import Coverage, Need, Tier
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
    "dibao_standard_monthly": Parameter(
        _("Dibao standard, urban (城镇), or the one standard (yuan/person/month)"), "money"
    ),
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
    # The standards calculator per person (discovery.standards): rural standard, 001's urban:rural
    # target, 000's asset limit.
    "dibao_standard_rural_monthly": Parameter(
        _("Dibao standard, rural (农村) (yuan/person/month); empty: the urban one"), "money"
    ),
    "dibao_urban_rural_ratio_target_pct": Parameter(
        # xgettext:no-python-format
        _("Urban dibao standard at most this % of the rural one (target)"),
        "percent",
        minimum=Decimal("100"),
    ),
    "dibao_asset_limit_multiple": Parameter(
        _("Asset limit: financial assets per person, times the monthly dibao standard"), "count"
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
    # 003: 「积极探索将低保、特困等社会救助对象审核确认权限下放至乡镇(街道)」 — where a region
    # has not (yet) done so for a status, the county confirms it.
    "status_confirmed_at_county": Parameter(
        _("Decisions: statuses confirmed by the county, not the township"),
        "choices",
        choices=tuple(value for value in Coverage.values if value != Coverage.NONE),
        name_labels=dict(Coverage.choices),
    ),
    # 003 item 7: 「在其家庭成员人均收入超过当地低保标准后给予一定时间的渐退期」 (no figure).
    "dibao_gradual_exit_months": Parameter(
        _(
            "Decisions: gradual exit (渐退期) after income rises above the dibao standard, "
            "months (003 sets no figure; 0: none)"
        ),
        "months",
        minimum=0,
    ),
    # 003 item 11: 「健全急难事项快速响应工作机制…简化审批程序，压缩救助时限」 and 「全面落实县、乡
    # 两级审批有关规定」: a township grants up to this much at once (先行救助), the county above it.
    "temporary_grant_first_aid_limit": Parameter(
        _("Temporary assistance: most a township grants at once (先行救助), yuan"), "money"
    ),
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
