"""Policy parameters: what each one is, and the value in force for a region and year.

The numbers themselves live in the database (national defaults from
``regions/data/policy_defaults.json``, overridden per region and year by staff), never here.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import PolicyValue, Region


@dataclass(frozen=True)
class Parameter:
    label: str
    kind: str  # "money", "percent", "months", "days", "count", "choice", "weights"
    choices: tuple[str, ...] = ()


PARAMETERS: dict[str, Parameter] = {
    "minimum_wage_monthly": Parameter(_("Local minimum wage (yuan/month)"), "money"),
    "dibao_standard_monthly": Parameter(_("Dibao standard (yuan/person/month)"), "money"),
    "dibao_share_of_minimum_wage_pct": Parameter(
        # xgettext:no-python-format
        _("Dibao standard as % of minimum wage"),
        "percent",
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
    "temporary_assistance_band_pct": Parameter(_("Temporary assistance band (+/- %)"), "percent"),
    "work_income_deduction_pct": Parameter(_("Work income deduction (%)"), "percent"),
    "procurement_cap_city_pct": Parameter(_("Procurement cap, city level (%)"), "percent"),
    "procurement_cap_county_pct": Parameter(_("Procurement cap, county level (%)"), "percent"),
    "procurement_cap_township_pct": Parameter(_("Procurement cap, township level (%)"), "percent"),
    "procurement_cap_base": Parameter(
        _("Procurement cap base"), "choice", choices=("budget", "spending")
    ),
    "review_interval_stable_months": Parameter(_("Review interval, stable households"), "months"),
    "review_interval_irregular_months": Parameter(_("Review interval, irregular income"), "months"),
    "visit_interval_months": Parameter(_("Visit interval, protected households"), "months"),
    "medical_out_of_pocket_threshold": Parameter(
        _("Medical out-of-pocket alert (yuan/year)"), "money"
    ),
    "priority_weights": Parameter(_("Need priority weights"), "weights"),
    "referral_accept_days": Parameter(_("Referral: days to accept or decline"), "days"),
    "referral_first_service_days": Parameter(_("Referral: days to first service"), "days"),
    "referral_first_service_days_urgent": Parameter(
        _("Referral: days to first service, urgent needs"), "days"
    ),
    "referral_reroute_after_days": Parameter(
        _("Referral: days past a deadline before re-routing"), "days"
    ),
    "discovery_rule_weights": Parameter(
        _("Finding people: rule weights (order of warnings, 0 switches a rule off)"), "weights"
    ),
    "discovery_new_disability_days": Parameter(
        _("Finding people: days a disability registration counts as new"), "days"
    ),
    "discovery_expenditure_band_pct": Parameter(
        _("Finding people: income up to this % above the dibao standard is just above it"),
        "percent",
    ),
    "discovery_rigid_spending_pct": Parameter(
        # xgettext:no-python-format
        _("Finding people: rigid spending of at least this % of income is heavy"),
        "percent",
    ),
    "discovery_review_notice_days": Parameter(
        _("Finding people: days before a review falls due to schedule it"), "days"
    ),
    "discovery_verification_days": Parameter(
        _("Finding people: days an assistant has to verify a warning"), "days"
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


class PolicyNotSet(LookupError):
    def __init__(self, key: str, region: Region, year: int):
        super().__init__(f"Policy parameter {key!r} is not set for {region} in {year} or above it.")
        self.key, self.region, self.year = key, region, year


def coerce(key: str, raw):
    """Turn a stored JSON value into its typed value; raise ValueError if it does not fit."""
    kind = PARAMETERS[key].kind
    if kind in {"money", "percent"}:
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
        if number < 0 or (kind == "percent" and number > 1000):
            raise ValueError(f"{number} is out of range")
        return number
    if kind == "months":
        months = int(raw)
        if not 1 <= months <= 120:
            raise ValueError(f"{months} months is out of range (1-120)")
        return months
    if kind == "days":
        days = int(raw)
        if not 0 <= days <= 365:
            raise ValueError(f"{days} days is out of range (0-365)")
        return days
    if kind == "count":
        count = int(raw)
        if not 0 <= count <= 10_000_000:
            raise ValueError(f"{count} is out of range (0-10,000,000)")
        return count
    if kind == "choice":
        if raw not in PARAMETERS[key].choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(PARAMETERS[key].choices)}")
        return raw
    if not isinstance(raw, dict):
        raise ValueError("weights must be an object of named weights")
    return raw


class Policy:
    """Every parameter in force for one region and year, read with one query."""

    def __init__(self, region: Region, year: int):
        self.region, self.year = region, year
        codes = [code for code in region.path.split("/") if code]
        rows = (
            PolicyValue.objects.filter(year__lte=year)
            .filter(Q(region__code__in=codes) | Q(region=None))
            .values_list("key", "region__level", "year", "value")
        )
        best: dict[str, tuple[tuple[int, int], object]] = {}
        for key, level, row_year, value in rows:
            rank = (level or 0, row_year)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, value)
        self._values = {key: value for key, (_rank, value) in best.items()}

    def __getitem__(self, key: str):
        if key not in PARAMETERS:
            raise KeyError(key)
        if key not in self._values:
            raise PolicyNotSet(key, self.region, self.year)
        return coerce(key, self._values[key])

    def get(self, key: str, default=None):
        try:
            return self[key]
        except PolicyNotSet:
            return default

    def procurement_cap_pct(self) -> Decimal:
        level_key = {
            Region.Level.CITY: "procurement_cap_city_pct",
            Region.Level.COUNTY: "procurement_cap_county_pct",
            Region.Level.TOWNSHIP: "procurement_cap_township_pct",
        }.get(self.region.level)
        if level_key is None:
            raise PolicyNotSet("procurement_cap_*_pct", self.region, self.year)
        return self[level_key]

    def dibao_standard(self) -> Decimal:
        """The set standard, or the share of the minimum wage when only that is set."""
        standard = self.get("dibao_standard_monthly")
        if standard is not None:
            return standard
        share = self["dibao_share_of_minimum_wage_pct"]
        return (self["minimum_wage_monthly"] * share / 100).quantize(Decimal("1"))
