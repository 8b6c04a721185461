"""The county's and province's policy values in force for 2026 (demo values, labelled as such)."""

from bangfu.demo.builder import (
    COUNTY_CODE,
    DEMO_SOURCE_PREFIX,
    DemoContext,
    Step,
    forget_audit,
    place_data,
)
from bangfu.regions.models import PolicyValue, Region
from bangfu.regions.policy import Policy
from bangfu.registry.policy import dibao_standard

YEAR = 2026

# (region code, key, value, source). Sources say plainly that these are demo values.
VALUES = (
    (
        "53",
        "minimum_wage_monthly",
        "2070",
        f"{DEMO_SOURCE_PREFIX} — Yunnan class I minimum wage (Kunming's main districts); "
        "counties set their own class below",
    ),
    (
        COUNTY_CODE,
        "minimum_wage_monthly",
        "1760",
        f"{DEMO_SOURCE_PREFIX} — Yunnan class III minimum wage area, approximate 2026 level",
    ),
    (
        COUNTY_CODE,
        "dibao_standard_monthly",
        "790",
        f"{DEMO_SOURCE_PREFIX} — the urban (城镇) dibao standard, about 45% of the class III "
        "minimum wage",
    ),
    (
        COUNTY_CODE,
        "dibao_standard_rural_monthly",
        "610",
        f"{DEMO_SOURCE_PREFIX} — the rural (农村) dibao standard, the urban one about 1.3 times "
        "it (001: 城乡低保标准比 1.3:1)",
    ),
    (
        COUNTY_CODE,
        "procurement_cap_county_pct",
        "5",
        f"{DEMO_SOURCE_PREFIX} — 003 (Yuanjiang task list): purchases at most 5% of the year's "
        "total assistance spending",
    ),
    (
        COUNTY_CODE,
        "procurement_cap_base",
        "spending",
        f"{DEMO_SOURCE_PREFIX} — 003 (Yuanjiang): the cap is a share of total spending",
    ),
)


class PolicyStep(Step):
    name = "policy"

    def build(self, ctx: DemoContext) -> None:
        for code, key, value, source in VALUES:
            PolicyValue.objects.update_or_create(
                key=key,
                region=ctx.regions[code],
                year=YEAR,
                defaults={"value": value, "source": source},
            )
        policy = Policy(ctx.county, max(YEAR, ctx.options.as_of.year))
        ctx.dibao_standard = dibao_standard(policy)
        rural = policy.get("dibao_standard_rural_monthly")
        ctx.dibao_standard_rural = rural if rural is not None else ctx.dibao_standard
        ctx.count("policy values", len(VALUES))

    def reset(self) -> None:
        data = place_data()
        codes = [data["province"]["code"], data["city"]["code"]]
        county = Region.objects.filter(code=COUNTY_CODE).first()
        regions = Region.objects.filter(code__in=codes)
        if county is not None:
            regions = regions | Region.objects.subtree(county)
        values = PolicyValue.objects.filter(
            region__in=regions, source__startswith=DEMO_SOURCE_PREFIX
        )
        forget_audit(values)
        values.delete()
