"""Procurement's policy parameters: the purchase cap by level of government, what it is a share
of, and whether a township buys under its county's cap or its own.

Document 001 (Anshan): city 5%, county and township 4%, each level paying from its own funds.
Document 003 (Yuanjiang), item 17: at most 5% of the year's spending of the aid funds.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import PolicyValue, Region
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
        _("Procurement cap base"),
        "choice",
        choices=("spending", "budget"),
        name_labels={
            "spending": _("the year's spending of the aid funds"),
            "budget": _("the aid funds' budget, until spending is entered"),
        },
    ),
    "procurement_township_budget": Parameter(
        _("Townships buy under the cap of"),
        "choice",
        choices=("county", "own"),
        name_labels={"county": _("their county"), "own": _("their own budget")},
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


def own_budget_townships(county: Region, year: int) -> list[Region]:
    """The county's townships that keep their own budget, read in three queries whatever their
    number: the county's setting holds for a township unless the township sets its own (the
    deepest region wins; at one region the latest year)."""
    key = "procurement_township_budget"
    inherited = Policy(county, year)[key]
    own_values = dict(
        PolicyValue.objects.filter(key=key, region__parent=county, year__lte=year)
        .order_by("year")
        .values_list("region", "value")
    )
    townships = county.children.filter(level=Region.Level.TOWNSHIP).order_by("code")
    return [town for town in townships if own_values.get(town.pk, inherited) == "own"]


def is_own_fiscal_unit(township: Region, year: int) -> bool:
    """Whether a township keeps its own budget and cap (001: 各级…列支) rather than buying under
    its county's."""
    return Policy(township, year)["procurement_township_budget"] == "own"


def fiscal_unit(region: Region, year: int) -> Region:
    """The region whose cap a purchase by ``region`` counts against: a city or a county its own,
    a township its county's unless it keeps a budget of its own."""
    if region.level == Region.Level.TOWNSHIP and not is_own_fiscal_unit(region, year):
        return region.parent
    return region
