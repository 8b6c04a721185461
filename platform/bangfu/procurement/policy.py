"""Procurement's policy parameters: the purchase cap (document 001: city 5%, county and township
4%; document 003: at most 5% of the year's aid-fund spending) and what it is a share of."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import Region
from bangfu.regions.policy import Parameter, Policy, PolicyNotSet, register_parameters

PARAMETERS = {
    "procurement_cap_city_pct": Parameter(
        _("Procurement cap, city level (%)"), "percent", maximum=Decimal("100")
    ),
    "procurement_cap_county_pct": Parameter(
        _("Procurement cap, county level (%)"), "percent", maximum=Decimal("100")
    ),
    "procurement_cap_township_pct": Parameter(
        _("Procurement cap, township level (%)"), "percent", maximum=Decimal("100")
    ),
    "procurement_cap_base": Parameter(
        _("Procurement cap base"), "choice", choices=("budget", "spending")
    ),
}
register_parameters(PARAMETERS)
CAP_BY_LEVEL = {
    Region.Level.CITY: "procurement_cap_city_pct",
    Region.Level.COUNTY: "procurement_cap_county_pct",
    Region.Level.TOWNSHIP: "procurement_cap_township_pct",
}


def cap_pct(policy: Policy) -> Decimal:
    """The cap of the policy's region, by its level of government."""
    key = CAP_BY_LEVEL.get(policy.region.level)
    if key is None:
        raise PolicyNotSet("procurement_cap_*_pct", policy.region, policy.year)
    return policy[key]
